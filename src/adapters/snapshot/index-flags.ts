import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'

/**
 * Index bits that hide work-tree state from `git status`: a file marked skip-worktree or
 * assume-unchanged can differ from its entry (a local password in `config.ini`), and with
 * sparse-checkout skip-worktree files are not on disk at all. A tree holds none of this.
 */
export interface HiddenEntry {
  path: string
  /** The entry's mode and blob, to tell whether the file on disk still holds it. */
  mode: string
  oid: string
  skipWorktree: boolean
  assumeUnchanged: boolean
}

/**
 * Every entry with a hiding bit, as `git ls-files -v` tags them: `S` skip-worktree, a lowercase
 * tag assume-unchanged (`s` both).
 */
export async function readHiddenEntries(
  repo: Repo,
  env: Record<string, string>,
): Promise<HiddenEntry[]> {
  const { stdout } = await git(repo.root, ['ls-files', '-v', '-s', '-z'], { env })
  const hidden: HiddenEntry[] = []
  for (const rec of splitZ(stdout)) {
    // `<tag> <mode> <oid> <stage>\t<path>`
    const tag = rec[0] as string
    const assumeUnchanged = tag !== tag.toUpperCase()
    const skipWorktree = tag.toUpperCase() === 'S'
    if (!assumeUnchanged && !skipWorktree) continue
    const tab = rec.indexOf('\t')
    const [, mode = '', oid = ''] = rec.slice(0, tab).split(' ')
    hidden.push({ path: rec.slice(tab + 1), mode, oid, skipWorktree, assumeUnchanged })
  }
  return hidden
}

/**
 * Sets the bits on entries of the real index (each path must have one). `update-index` marks
 * every path it reads after the flag, and fails as a whole if one has no entry.
 */
export async function markEntries(
  repo: Repo,
  marks: { skipWorktree: string[]; assumeUnchanged: string[] },
): Promise<void> {
  const mark = async (flag: string, paths: string[]) => {
    if (paths.length === 0) return
    await git(repo.root, ['update-index', flag, '-z', '--stdin'], {
      input: `${paths.join('\0')}\0`,
    })
  }
  // One after the other: both write the index.
  await mark('--skip-worktree', marks.skipWorktree)
  await mark('--assume-unchanged', marks.assumeUnchanged)
}
