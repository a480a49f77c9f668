import { CpoError } from '../../errors.js'
import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'

export interface WorkTreeStatus {
  /** Tracked paths whose work-tree content differs from the index. */
  unstaged: string[]
  /** Tracked paths whose index entry differs from HEAD. */
  staged: string[]
  /** Untracked, not ignored files (directories with a trailing slash are nested repositories). */
  untracked: string[]
}

/** The `# branch.*` headers, present when status ran with `--branch`. */
export interface StatusBranch {
  /** The commit status compared the index with; null before the first commit. */
  oid: string | null
  /** The checked-out branch as status prints it (`main`); null on a detached HEAD. */
  head: string | null
}

/**
 * Parses `git status --porcelain=v2 -z --untracked-files=all [--branch]`. Paths can contain
 * spaces, so a record is split only on the fixed number of spaces before its path field.
 */
export function parseStatusV2(text: string): WorkTreeStatus & { branch?: StatusBranch } {
  const fields = splitZ(text)
  const result: WorkTreeStatus & { branch?: StatusBranch } = {
    unstaged: [],
    staged: [],
    untracked: [],
  }
  for (let i = 0; i < fields.length; i++) {
    const rec = fields[i] as string
    const kind = rec[0]
    if (kind === '?') result.untracked.push(rec.slice(2))
    else if (kind === '1' || kind === '2') {
      const path = afterSpaces(rec, kind === '1' ? 8 : 9)
      const x = rec[2]
      const y = rec[3]
      if (x !== '.') result.staged.push(path)
      if (y !== '.') result.unstaged.push(path)
      if (kind === '2') i++ // the original path of a rename follows in its own field
    } else if (kind === 'u') {
      throw new CpoError(
        'UNMERGED_PATHS',
        'conflict',
        `the index has unresolved conflicts (${afterSpaces(rec, 10)})`,
        { hint: 'Resolve the conflicts and commit, or abort the merge, then run cpo again.' },
      )
    } else if (rec.startsWith('# branch.oid ')) {
      const oid = rec.slice('# branch.oid '.length)
      result.branch = { head: result.branch?.head ?? null, oid: oid === '(initial)' ? null : oid }
    } else if (rec.startsWith('# branch.head ')) {
      const head = rec.slice('# branch.head '.length)
      result.branch = { oid: result.branch?.oid ?? null, head: head === '(detached)' ? null : head }
    }
  }
  return result
}

function afterSpaces(rec: string, count: number): string {
  let at = -1
  for (let n = 0; n < count; n++) at = rec.indexOf(' ', at + 1)
  return rec.slice(at + 1)
}

/**
 * Runs `git status` with every untracked file listed and HEAD's commit and branch in the same
 * pass (ahead/behind counts are never used, so not computed), and parses it. `env` can point
 * git at a scratch index.
 */
export async function readWorkTreeStatus(
  repo: Repo,
  env: Record<string, string> = {},
): Promise<WorkTreeStatus & { branch?: StatusBranch }> {
  const { stdout } = await git(
    repo.root,
    [
      'status',
      '--porcelain=v2',
      '-z',
      '--untracked-files=all',
      '--no-renames',
      '--branch',
      '--no-ahead-behind',
    ],
    { env },
  )
  return parseStatusV2(stdout)
}
