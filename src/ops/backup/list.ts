import type { BackupStore } from '../../adapters/storage/types.js'
import { type BackupSummary, summarize } from '../../core/backup/summary.js'

export interface BackupListing {
  store: string
  /** Newest first; the manifest is left out (see `cpo backup verify` for details). */
  backups: Array<Omit<BackupSummary, 'manifest'>>
}

export async function listBackups(store: BackupStore): Promise<BackupListing> {
  const backups = (await store.list())
    .map(summarize)
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? 1 : -1))
    .map(({ manifest: _m, ...rest }) => rest)
  return { store: store.location, backups }
}
