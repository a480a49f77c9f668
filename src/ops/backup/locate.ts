import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { dirStore } from '../../adapters/storage/dir.js'
import type { BackupStore } from '../../adapters/storage/types.js'
import { type BackupSummary, summarize } from '../../core/backup/summary.js'
import { CpoError } from '../../errors.js'
import { chooseStore, type StoreChoice } from './store-location.js'

/** A backup by exact id or unique prefix. */
export async function findBackup(store: BackupStore, ref: string): Promise<BackupSummary> {
  const exact = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(ref) ? await store.get(ref) : undefined
  if (exact) return summarize(exact)
  const all = (await store.list()).filter((b) => b.id.startsWith(ref))
  if (all.length === 1 && all[0]) return summarize(all[0])
  if (all.length > 1) {
    throw new CpoError(
      'BACKUP_AMBIGUOUS',
      'usage',
      `${JSON.stringify(ref)} matches ${all.length} backups`,
      {
        hint: `Give more of the id: ${all.map((b) => b.id).join(', ')}`,
      },
    )
  }
  throw new CpoError(
    'BACKUP_NOT_FOUND',
    'notFound',
    `no backup ${JSON.stringify(ref)} in ${store.location}`,
    {
      hint: 'See `cpo backup list` (and --store / CPO_BACKUP_STORE for where it looks).',
    },
  )
}

/**
 * `<id|path>`: a path to a backup directory (one holding manifest.json or an archive) is used as
 * is, which is how a backup copied to another machine is restored; anything else is an id in the
 * chosen store.
 */
export async function locateBackup(
  ref: string,
  choice: StoreChoice,
): Promise<{ store: BackupStore; backup: BackupSummary }> {
  if (ref.includes('/') || ref.includes(path.sep) || ref.startsWith('.')) {
    const dir = path.resolve(choice.cwd, ref)
    const st = await fsp.stat(dir).catch(() => undefined)
    if (!st?.isDirectory()) {
      throw new CpoError('BACKUP_NOT_FOUND', 'notFound', `no backup directory at ${dir}`, {
        hint: 'Give a backup id from `cpo backup list`, or the path of a backup directory.',
      })
    }
    const store = dirStore(path.dirname(dir))
    return { store, backup: await findBackup(store, path.basename(dir)) }
  }
  const store = await chooseStore(choice)
  return { store, backup: await findBackup(store, ref) }
}

/** Complete backups only: restoring or pinning an interrupted one makes no sense. */
export function requireComplete(backup: BackupSummary): NonNullable<BackupSummary['manifest']> {
  if (backup.status === 'complete' && backup.manifest) return backup.manifest
  const code = backup.status === 'incomplete' ? 'BACKUP_INCOMPLETE' : 'BACKUP_DAMAGED'
  throw new CpoError(
    code,
    'invalidInput',
    `backup ${backup.id} is ${backup.status}: ${backup.problem ?? ''}`,
    {
      hint: 'Pick a complete backup from `cpo backup list`.',
    },
  )
}
