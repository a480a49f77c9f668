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

/** What a backup directory holds: a file given by path must be one of these. */
const BACKUP_FILE = /^(archive\.tar(\.zst|\.gz)?|manifest\.json|meta\.json)$/

/** A path, not an id: it has a separator, starts with a dot, or names a backup's file. */
const looksLikePath = (ref: string): boolean =>
  ref.includes('/') || ref.includes(path.sep) || ref.startsWith('.') || BACKUP_FILE.test(ref)

/**
 * `<id|path>`: a path to a backup directory, or to a file in one (its archive, which is what a
 * user copies from `ls`, or its manifest), is used as is, which is how a backup copied to another
 * machine is restored; anything else is an id in the chosen store.
 */
export async function locateBackup(
  ref: string,
  choice: StoreChoice,
): Promise<{ store: BackupStore; backup: BackupSummary }> {
  if (looksLikePath(ref)) {
    const dir = await backupDirOf(path.resolve(choice.cwd, ref))
    const store = dirStore(path.dirname(dir))
    return { store, backup: await findBackup(store, path.basename(dir)) }
  }
  const store = await chooseStore(choice)
  return { store, backup: await findBackup(store, ref) }
}

async function backupDirOf(given: string): Promise<string> {
  const st = await fsp.stat(given).catch(() => undefined)
  if (st?.isDirectory()) return given
  const hint =
    'Give a backup id from `cpo backup list`, or the path of a backup directory or of its archive (`<store>/<id>/archive.tar.zst`).'
  if (st === undefined) {
    throw new CpoError('BACKUP_NOT_FOUND', 'notFound', `no backup at ${given}`, { hint })
  }
  if (!st.isFile() || !BACKUP_FILE.test(path.basename(given))) {
    throw new CpoError(
      'BACKUP_NOT_FOUND',
      'notFound',
      `${given} is not a backup: give its directory, or its archive.tar.zst, archive.tar.gz, archive.tar or manifest.json`,
      { hint },
    )
  }
  return path.dirname(given)
}

/**
 * Backups that can be checked: restoring or pinning an interrupted one makes no sense. One that
 * an earlier verify found damaged is let through: verify and restore check every byte again, so
 * a repaired backup comes back, and one still damaged is refused with what is wrong now.
 */
export function requireCheckable(backup: BackupSummary): NonNullable<BackupSummary['manifest']> {
  if (backup.checkable && backup.manifest) return backup.manifest
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
