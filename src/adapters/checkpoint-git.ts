import type { LogCommit } from '../core/checkpoint/types.js'
import { git, splitZ } from './git.js'
import type { Repo } from './repo.js'

/** The branch walk `checkpoint list` makes (also started early: early-reads.ts). */
export const BRANCH_LOG_READ = [
  'log',
  '--branches',
  '--source',
  '--date-order',
  '--reverse',
  '-z',
  '--format=%H%x00%P%x00%ct%x00%S%x00%s',
]

/**
 * The history of every branch in one `git log`, oldest first, with the branch each commit was
 * reached from. Snapshot refs are left out on purpose: work only a snapshot holds was undone.
 * (`%S` prints short names, so the walk is limited to branches to keep them unambiguous.)
 * With `after`, only commits that commit does not reach: the walk stops there, and each commit
 * is still attributed to the same branch (a branch's name flows down from its tip, and no
 * commit after `after` is reached through one before it).
 */
export async function readLogCommits(repo: Repo, after?: string): Promise<LogCommit[]> {
  const { stdout } = await git(
    repo.root,
    after === undefined ? BRANCH_LOG_READ : [...BRANCH_LOG_READ, `^${after}`, '--'],
  )
  const fields = splitZ(stdout)
  const out: LogCommit[] = []
  for (let i = 0; i + 4 < fields.length; i += 5) {
    const source = fields[i + 3] as string
    out.push({
      commit: fields[i] as string,
      parents: (fields[i + 1] as string).split(' ').filter(Boolean),
      time: new Date(Number(fields[i + 2]) * 1000).toISOString(),
      source: source === '' ? null : `refs/heads/${source.replace(/^heads\//, '')}`,
      subject: fields[i + 4] as string,
    })
  }
  return out
}

/** HEAD's commit and branch; undefined commit on an unborn branch. */
export async function readHead(repo: Repo): Promise<{ commit?: string; branch: string | null }> {
  const [head, branch] = await Promise.all([
    git(repo.root, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { okCodes: [1] }),
    git(repo.root, ['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] }),
  ])
  const commit = head.stdout.trim()
  return {
    ...(commit === '' ? {} : { commit }),
    branch: branch.code === 0 ? branch.stdout.trim() : null,
  }
}

/** The object a ref points to, or undefined. */
export async function readRef(repo: Repo, ref: string): Promise<string | undefined> {
  const r = await git(repo.root, ['rev-parse', '-q', '--verify', ref], { okCodes: [1] })
  return r.stdout.trim() || undefined
}

/**
 * Stages everything (`add -A`) and commits. No hook runs: a checkpoint must record the work as
 * it is, broken or not, and must not be stopped or changed by a hook.
 */
export async function commitEverything(repo: Repo, message: string): Promise<string> {
  await git(repo.root, ['add', '-A'])
  return commitStaged(repo, message)
}

/**
 * Commits what the index holds (an empty commit too) and returns the commit. No hook runs, not
 * even those `--no-verify` leaves on (prepare-commit-msg, post-commit): the same as the commits
 * cpo writes with plumbing.
 */
export async function commitStaged(repo: Repo, message: string): Promise<string> {
  await git(
    repo.root,
    ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '--no-verify', '-F', '-'],
    { input: message },
  )
  return (await git(repo.root, ['rev-parse', 'HEAD'])).stdout.trim()
}

/**
 * Creates an annotated tag and returns the tag object; git refuses (and nothing changes) when
 * it exists already.
 */
export async function createTag(
  repo: Repo,
  ref: string,
  commit: string,
  message: string,
): Promise<string> {
  const name = ref.slice('refs/tags/'.length)
  await git(repo.root, ['tag', '-a', '-F', '-', '--', name, commit], { input: message })
  return (await git(repo.root, ['rev-parse', ref])).stdout.trim()
}

/**
 * The identity and time `git tag` and `git commit` stamp (`git var GIT_COMMITTER_IDENT`:
 * user.name and user.email, GIT_COMMITTER_* and the clock); undefined when git has none, so the
 * caller lets `git tag` say what is missing.
 */
export async function committerIdent(repo: Repo): Promise<string | undefined> {
  const r = await git(repo.root, ['var', 'GIT_COMMITTER_IDENT'], { okCodes: [128] })
  return r.code === 0 ? r.stdout.trim() || undefined : undefined
}

/** Writes a tag object from its text (`git mktag` checks it as git fsck would); its id. */
export async function writeTagObject(repo: Repo, text: string): Promise<string> {
  return (await git(repo.root, ['mktag'], { input: text })).stdout.trim()
}

/** Moves refs in one transaction, each checked against the value it must have now. */
export async function moveRefs(
  repo: Repo,
  moves: Array<{ ref: string; to?: string; from?: string }>,
): Promise<void> {
  const zero = '0000000000000000000000000000000000000000'
  const lines = moves.map((m) =>
    m.to === undefined
      ? `delete ${m.ref}${m.from ? ` ${m.from}` : ''}`
      : `update ${m.ref} ${m.to} ${m.from ?? zero}`,
  )
  await git(repo.root, ['update-ref', '--stdin'], { input: `${lines.join('\n')}\n` })
}

export async function readBlobAt(
  repo: Repo,
  commit: string,
  file: string,
): Promise<string | undefined> {
  // `blob`, not `-p`: a directory at that path is no file (git says so, exit 128).
  const r = await git(repo.root, ['cat-file', 'blob', `${commit}:${file}`], { okCodes: [128] })
  return r.code === 0 ? r.stdout : undefined
}

export interface DiffEntry {
  path: string
  /** git's letter: A, M, D, T, R… */
  status: string
  added: number | null
  deleted: number | null
  from?: string
}

/** Files between two commits, or from a commit to the work tree (tracked files) when b is absent. */
export async function diffFiles(
  repo: Repo,
  a: string,
  b: string | undefined,
): Promise<DiffEntry[]> {
  const range = b === undefined ? [a] : [a, b]
  const [names, nums] = await Promise.all([
    git(repo.root, ['diff', '--no-renames', '--name-status', '-z', ...range, '--']),
    git(repo.root, ['diff', '--no-renames', '--numstat', '-z', ...range, '--']),
  ])
  const counts = new Map<string, { added: number | null; deleted: number | null }>()
  for (const rec of splitZ(nums.stdout)) {
    const [added, deleted, file] = rec.split('\t')
    if (file === undefined) continue
    counts.set(file, {
      added: added === '-' ? null : Number(added),
      deleted: deleted === '-' ? null : Number(deleted),
    })
  }
  const fields = splitZ(names.stdout)
  const out: DiffEntry[] = []
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const file = fields[i + 1] as string
    const c = counts.get(file) ?? { added: null, deleted: null }
    out.push({ path: file, status: fields[i] as string, ...c })
  }
  return out
}
