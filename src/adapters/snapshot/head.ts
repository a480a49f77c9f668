import { CpoError } from '../../errors.js'
import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'

export interface HeadState {
  head: string
  branch: string | null
}

export async function readHead(repo: Repo): Promise<HeadState> {
  const [commit, symbolic] = await Promise.all([
    git(repo.root, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { okCodes: [1, 128] }),
    git(repo.root, ['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] }),
  ])
  const head = commit.stdout.trim()
  if (commit.code !== 0 || head === '') {
    throw new CpoError('NO_COMMITS', 'conflict', 'the repository has no commits yet', {
      hint: 'Make a first commit (git add -A && git commit -m "initial") and run cpo again.',
    })
  }
  return { head, branch: symbolic.code === 0 ? symbolic.stdout.trim() : null }
}

/** Branches and tags with the object each points to, in one git call. */
export async function readRefs(repo: Repo): Promise<Record<string, string>> {
  const { stdout } = await git(repo.root, [
    'for-each-ref',
    '--format=%(refname)%00%(objectname)%00',
    'refs/heads',
    'refs/tags',
  ])
  const fields = splitZ(stdout.replaceAll('\0\n', '\0'))
  const refs: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) refs[fields[i] as string] = fields[i + 1] as string
  return refs
}
