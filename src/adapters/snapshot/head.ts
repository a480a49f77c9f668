import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'
import { KEEP_REF_PREFIX, rememberKept } from './keep.js'

/** Full name of the branch HEAD points to (`refs/heads/main`), or null on a detached HEAD. */
export async function readBranch(repo: Repo): Promise<string | null> {
  const symbolic = await git(repo.root, ['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] })
  return symbolic.code === 0 ? symbolic.stdout.trim() : null
}

/**
 * readBranch without a git process, for the check right before a restore's ref transaction: the
 * `HEAD` file of the files backend names the branch (`ref: refs/heads/main`) or holds the commit
 * of a detached HEAD. Anything else (a reftable repository's placeholder, a file that cannot be
 * read) is asked of git.
 */
export async function readBranchFast(repo: Repo): Promise<string | null> {
  const text = await fsp.readFile(path.join(repo.gitDir, 'HEAD'), 'latin1').catch(() => '')
  const symbolic = /^ref: (refs\/[^\s]+)\n?$/.exec(text)
  if (symbolic && symbolic[1] !== 'refs/heads/.invalid') return symbolic[1] as string
  if (/^(?:[0-9a-f]{40}|[0-9a-f]{64})\n?$/.test(text)) return null
  return readBranch(repo)
}

/** Branches and tags with the object each points to, in one git call. */
export async function readRefs(repo: Repo): Promise<Record<string, string>> {
  // The keep-refs come in the same pass: the snapshot recorded from these refs needs to know
  // which of their objects are kept already (keep.ts), and a second for-each-ref costs more.
  const { stdout } = await git(repo.root, [
    'for-each-ref',
    '--format=%(refname)%00%(objectname)%00',
    'refs/heads',
    'refs/tags',
    KEEP_REF_PREFIX,
  ])
  const fields = splitZ(stdout.replaceAll('\0\n', '\0'))
  const refs: Record<string, string> = {}
  const kept: string[] = []
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i] as string
    if (name.startsWith(KEEP_REF_PREFIX)) kept.push(fields[i + 1] as string)
    else refs[name] = fields[i + 1] as string
  }
  rememberKept(repo, kept)
  return refs
}

/**
 * Branches checked out in the repository's other work trees (branch → that work tree's path).
 * Moving one under another work tree would leave its HEAD on a commit its files and index do
 * not match. Without linked work trees (`<common dir>/worktrees` empty) git is not asked.
 */
export async function branchesCheckedOutElsewhere(repo: Repo): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const linked = await fsp.readdir(path.join(repo.commonDir, 'worktrees')).catch(() => [])
  if (linked.length === 0) return out
  const { stdout } = await git(repo.root, ['worktree', 'list', '--porcelain', '-z'])
  const here = await fsp.realpath(repo.root)
  // Records of `worktree <path>`, `HEAD <oid>`, `branch <ref>`… fields, ended by an empty field.
  let worktree = ''
  for (const field of stdout.split('\0')) {
    if (field.startsWith('worktree ')) worktree = field.slice('worktree '.length)
    else if (field.startsWith('branch ')) {
      const real = await fsp.realpath(worktree).catch(() => worktree)
      if (real !== here) out.set(field.slice('branch '.length), worktree)
    }
  }
  return out
}
