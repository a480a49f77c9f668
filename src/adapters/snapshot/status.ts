import { decodeBytes, encodeText } from '../../core/path-bytes.js'
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
  /** Every record in git's order with its two-letter code as porcelain v1 prints it (`M `, `??`). */
  records: Array<{ xy: string; path: string }>
  /** Index entries made by `git add -N` (no content staged; status lists them as unstaged). */
  intentToAdd: string[]
  /** Changed paths that are submodules (gitlinks) in HEAD, the index or the work tree. */
  submodules?: string[]
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
    records: [],
    intentToAdd: [],
    submodules: [],
  }
  for (let i = 0; i < fields.length; i++) {
    const rec = fields[i] as string
    const kind = rec[0]
    if (kind === '?') {
      result.untracked.push(rec.slice(2))
      result.records.push({ xy: '??', path: rec.slice(2) })
    } else if (kind === '1' || kind === '2') {
      const path = afterSpaces(rec, kind === '1' ? 8 : 9)
      const x = rec[2]
      const y = rec[3]
      if (x !== '.') result.staged.push(path)
      if (y !== '.') result.unstaged.push(path)
      result.records.push({ xy: rec.slice(2, 4).replaceAll('.', ' '), path })
      if (rec.startsWith('1 .A ')) result.intentToAdd.push(path)
      if (rec[5] === 'S') result.submodules?.push(path)
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

/** The arguments of that `git status` (also started early: src/cli/early-reads.ts). */
export const STATUS_READ = [
  'status',
  '--porcelain=v2',
  '-z',
  '--untracked-files=all',
  '--no-renames',
  '--branch',
  '--no-ahead-behind',
]

/**
 * Runs `git status` with every untracked file listed and HEAD's commit and branch in the same
 * pass (ahead/behind counts are never used, so not computed), and parses it. `env` can point
 * git at a scratch index.
 */
export async function readWorkTreeStatus(
  repo: Repo,
  env: Record<string, string> = {},
): Promise<WorkTreeStatus & { branch?: StatusBranch }> {
  const { stdout } = await git(repo.root, STATUS_READ, { env })
  return parseStatusV2(stdout)
}

/**
 * What `git status --porcelain=v1 --untracked-files=all --no-renames` prints for these records:
 * a path with a space, a quote, a backslash or a control character (or, with core.quotePath on,
 * a byte above 0x7f) is C-quoted the way git quotes it.
 */
export function porcelainV1(records: WorkTreeStatus['records'], quotePath = true): string {
  return records.map((r) => `${r.xy} ${quoteStatusPath(r.path, quotePath)}\n`).join('')
}

const ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
}

function quoteStatusPath(path: string, quotePath: boolean): string {
  const bytes = encodeText(path)
  const special = (b: number) => b < 0x20 || b === 0x22 || b === 0x5c || b === 0x7f
  const escaped = (b: number) => special(b) || (quotePath && b > 0x7f)
  if (!bytes.some((b) => escaped(b) || b === 0x20)) return path
  const out: Buffer[] = []
  let from = 0
  bytes.forEach((b, i) => {
    if (!escaped(b)) return
    out.push(bytes.subarray(from, i))
    out.push(Buffer.from(ESCAPES[b] ?? `\\${b.toString(8).padStart(3, '0')}`))
    from = i + 1
  })
  out.push(bytes.subarray(from))
  return `"${decodeBytes(Buffer.concat(out))}"`
}
