import type { BackupStore } from '../../adapters/storage/types.js'
import { type BackupMeta, parseMeta, serializeMeta } from '../../core/backup/meta.js'

/** Read-modify-write of a backup's metadata under the store lock, so two updates never race. */
export async function updateMeta(
  store: BackupStore,
  id: string,
  change: (meta: BackupMeta) => BackupMeta,
  wait?: number,
): Promise<BackupMeta> {
  const lock = await store.lock('backup meta', wait)
  try {
    const current = parseMeta((await store.get(id))?.meta).meta
    const next = change(current)
    await store.writeMeta(id, serializeMeta(next))
    return next
  } finally {
    await lock.release()
  }
}
