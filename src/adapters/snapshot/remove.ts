import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { fsPath } from '../../core/path-bytes.js'
import { CpoError } from '../../errors.js'
import { GITLINK } from './guard.js'

export interface KeptPath {
  path: string
  reason: string
}

export const SUBMODULE_KEPT = 'submodule directory with content, left in place'

/**
 * Removes what the target lacks once its files are gone: a restore never unlinks a file, it
 * moves each one aside first (aside.ts), so that a file saved at the path after the move is not
 * destroyed. What is left here are the directories. A submodule (gitlink) is a directory:
 * removed when empty, as git does, else kept with its own work. Directories left empty are
 * removed; one that still holds anything (ignored files, a file saved meanwhile) stays. Every
 * call is checked: a submodule directory that cannot be removed fails the restore (the operation
 * then puts the state back) instead of being reported as gone.
 */
export async function removeFiles(
  root: string,
  entries: Array<{ path: string; fromMode: string }>,
): Promise<{ removed: string[]; kept: KeptPath[] }> {
  const kept: KeptPath[] = []
  const failed: Array<{ path: string; reason: string }> = []
  const dirs = new Set<string>()
  await Promise.all(
    entries.map(async (e) => {
      try {
        if (e.fromMode === GITLINK && !(await removeEmptyDir(path.join(root, e.path)))) {
          kept.push({ path: e.path, reason: SUBMODULE_KEPT })
          return
        }
      } catch (err) {
        failed.push({ path: e.path, reason: reasonOf(err) })
        return
      }
      for (let d = path.dirname(e.path); d !== '.'; d = path.dirname(d)) dirs.add(d)
    }),
  )
  if (failed.length > 0) throw removeError(failed)
  // Deepest first.
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      await removeEmptyDir(path.join(root, d))
    } catch (err) {
      kept.push({ path: `${d}/`, reason: `could not remove the empty directory: ${reasonOf(err)}` })
    }
  }
  const notRemoved = new Set(kept.map((k) => k.path))
  return {
    removed: entries.map((e) => e.path).filter((p) => !notRemoved.has(p)),
    kept: kept.sort((a, b) => (a.path < b.path ? -1 : 1)),
  }
}

/** False when the directory holds anything; true when it is gone (or was never there). */
async function removeEmptyDir(abs: string): Promise<boolean> {
  try {
    await fsp.rmdir(fsPath(abs))
    return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return true
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false
    throw err
  }
}

const reasonOf = (err: unknown): string =>
  err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err)

/** Files that could not be removed (or moved aside), and why: nothing of them was lost. */
export function removeError(failed: Array<{ path: string; reason: string }>): CpoError {
  const list = failed.sort((a, b) => (a.path < b.path ? -1 : 1))
  const shown = list
    .slice(0, 10)
    .map((f) => `${f.path} (${f.reason})`)
    .join(', ')
  return new CpoError(
    'REMOVE_FAILED',
    'external',
    `could not remove ${list.length} file(s): ${shown}${list.length > 10 ? ` (+${list.length - 10} more)` : ''}`,
    {
      hint: `Make them removable (an immutable flag: \`lsattr ${list[0]?.path}\`; a read-only mount or directory), then run the command again.`,
      details: list,
    },
  )
}
