import type { BackupStore } from '../../adapters/storage/types.js'
import { type BackupSummary, summarize } from '../../core/backup/summary.js'
import { isLayered } from './legacy-store.js'

export interface BackupListing {
  store: string
  /** Newest first; the manifest is left out (see `cpo backup verify` for details). */
  backups: Array<Omit<BackupSummary, 'manifest'>>
  /** Backups found in the old default location (named after the project only), listed too. */
  legacy: { store: string; ids: string[] } | null
}

export async function listBackups(store: BackupStore): Promise<BackupListing> {
  const backups = (await store.list())
    .map(summarize)
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? 1 : -1))
    .map(({ manifest: _m, ...rest }) => rest)
  return { store: store.location, backups, legacy: await legacyOf(store) }
}

/** Where the old backups lie and which they are; null when there are none. */
export async function legacyOf(store: BackupStore): Promise<BackupListing['legacy']> {
  if (!isLayered(store)) return null
  const ids = (await store.legacy.list()).map((b) => b.id).sort()
  return ids.length > 0 ? { store: store.legacy.location, ids } : null
}
