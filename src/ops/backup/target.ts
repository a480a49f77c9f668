import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { CpoError } from '../../errors.js'

/**
 * Makes sure a restore target is safe to fill: missing (created), or an empty directory, or a
 * non-empty one with `force`. A directory that already holds a repository is refused even with
 * `force`: fetching every ref into it would overwrite someone's branches.
 * Returns whether the directory was created (so a failed restore can remove it again).
 */
export async function prepareTarget(target: string, force: boolean): Promise<boolean> {
  const state = await checkTarget(target, force)
  if (state !== 'missing') return false
  await fsp.mkdir(target, { recursive: true })
  return true
}

/** What `prepareTarget` would find, without creating anything: for `--dry-run`. */
export async function checkTarget(
  target: string,
  force: boolean,
): Promise<'missing' | 'empty' | 'notEmpty'> {
  const st = await fsp.stat(target).catch(() => undefined)
  if (st === undefined) return 'missing'
  if (!st.isDirectory()) {
    throw new CpoError(
      'TARGET_NOT_A_DIRECTORY',
      'invalidInput',
      `${target} exists and is not a directory`,
      {
        hint: 'Restore into a new or empty directory.',
      },
    )
  }
  const names = await fsp.readdir(target)
  if (names.includes('.git')) {
    throw new CpoError(
      'TARGET_IS_REPOSITORY',
      'conflict',
      `${target} already holds a git repository`,
      {
        hint: 'Restore into a new or empty directory; cpo never merges refs into an existing repository.',
      },
    )
  }
  if (names.length > 0 && !force) {
    throw new CpoError(
      'TARGET_NOT_EMPTY',
      'conflict',
      `${target} is not empty (${names.length} entries)`,
      {
        hint: 'Restore into a new or empty directory, or pass --force to restore over the files there.',
      },
    )
  }
  return names.length > 0 ? 'notEmpty' : 'empty'
}

/** Undo a failed restore: remove what it created, never what was there before. */
export async function cleanupTarget(
  target: string,
  created: boolean,
  staging?: string,
): Promise<void> {
  if (created) await fsp.rm(target, { recursive: true, force: true })
  else {
    if (staging) await fsp.rm(staging, { recursive: true, force: true })
    await fsp.rm(path.join(target, '.git'), { recursive: true, force: true })
  }
}
