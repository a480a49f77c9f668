import type { BackupStore } from '../../adapters/storage/types.js'
import { findBackup, requireCheckable } from './locate.js'
import { updateMeta } from './meta-update.js'

export interface PinReport {
  id: string
  pinned: boolean
  /** False when it already was in the requested state. */
  changed: boolean
}

/** `cpo backup pin|unpin`: a pinned backup is never removed by prune. */
export async function setPinned(
  store: BackupStore,
  ref: string,
  pinned: boolean,
  wait?: number,
): Promise<PinReport> {
  const backup = await findBackup(store, ref)
  requireCheckable(backup)
  const changed = backup.pinned !== pinned
  await updateMeta(store, backup.id, (m) => ({ ...m, pinned }), wait)
  return { id: backup.id, pinned, changed }
}
