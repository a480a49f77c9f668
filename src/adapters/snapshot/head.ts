import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'

/** Full name of the branch HEAD points to (`refs/heads/main`), or null on a detached HEAD. */
export async function readBranch(repo: Repo): Promise<string | null> {
  const symbolic = await git(repo.root, ['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] })
  return symbolic.code === 0 ? symbolic.stdout.trim() : null
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
