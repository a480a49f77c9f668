import type { BackupStore, StoreLock } from '../../adapters/storage/types.js'

/**
 * The default store with the location older cpo versions used (named after the project only)
 * read beside it: listing, verifying, restoring, pinning and pruning see the backups of both,
 * each changed where it lies; new backups go to the new location only.
 */
export interface LayeredStore extends BackupStore {
  readonly legacy: BackupStore
}

export const isLayered = (store: BackupStore): store is LayeredStore =>
  (store as Partial<LayeredStore>).legacy !== undefined

export function withLegacy(primary: BackupStore, legacy: BackupStore): LayeredStore {
  const owner = async (id: string): Promise<BackupStore> =>
    (await primary.get(id)) === undefined && (await legacy.get(id)) !== undefined ? legacy : primary
  return {
    kind: primary.kind,
    location: primary.location,
    legacy,
    async list() {
      const [mine, old] = await Promise.all([primary.list(), legacy.list()])
      const ids = new Set(mine.map((b) => b.id))
      return [...mine, ...old.filter((b) => !ids.has(b.id))]
    },
    async get(id) {
      return (await primary.get(id)) ?? (await legacy.get(id))
    },
    async openRead(id, name) {
      return (await owner(id)).openRead(id, name)
    },
    writeArchive: (id, name, data) => primary.writeArchive(id, name, data),
    commit: (id, manifest) => primary.commit(id, manifest),
    async writeMeta(id, meta) {
      return (await owner(id)).writeMeta(id, meta)
    },
    async remove(id) {
      return (await owner(id)).remove(id)
    },
    async lock(command, waitSeconds) {
      const locks: StoreLock[] = [await primary.lock(command, waitSeconds)]
      try {
        // A prune may remove old backups: an older cpo may still be writing there.
        if ((await legacy.list()).length > 0) locks.push(await legacy.lock(command, waitSeconds))
      } catch (e) {
        await locks[0]?.release()
        throw e
      }
      return {
        async release() {
          for (const l of locks.reverse()) await l.release()
        },
      }
    },
  }
}

/** How many backups lie in the old location (0 for a plain store). */
export async function legacyCount(store: BackupStore): Promise<number> {
  return isLayered(store) ? (await store.legacy.list()).length : 0
}
