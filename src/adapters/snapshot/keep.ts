import { git } from '../git.js'
import type { Repo } from '../repo.js'

/**
 * A snapshot names objects in its metadata only (every branch's and tag's target, and the blob
 * that lists them, refs-blob.ts), and `git gc` follows refs, not JSON: once a branch or tag is
 * deleted or moved, the snapshot alone could not keep what it points to. So each distinct object
 * a snapshot records gets a ref of its own, `refs/cpo/keep/<oid>`, shared by every snapshot that
 * records it (README.md, "Files cpo reads and writes").
 */
export const KEEP_REF_PREFIX = 'refs/cpo/keep/'

/**
 * Creates the snapshot's ref and, in the same transaction, a keep-ref for every object in `oids`
 * that none keeps yet: a snapshot never exists without its objects being kept. Only keep
 * refs that are missing are written (with thousands of tags, most exist from earlier snapshots);
 * an `update` of a keep-ref can only ever write the value its name already says, so two writers
 * cannot conflict.
 */
export async function createSnapshotRef(
  repo: Repo,
  ref: string,
  commit: string,
  oids: Iterable<string>,
): Promise<void> {
  const wanted = new Set(oids)
  const kept = wanted.size === 0 ? new Set<string>() : await keptObjects(repo)
  const lines = [`create ${ref} ${commit}`]
  for (const oid of wanted) if (!kept.has(oid)) lines.push(`update ${KEEP_REF_PREFIX}${oid} ${oid}`)
  await git(repo.root, ['update-ref', '--stdin'], { input: `${lines.join('\n')}\n` })
  for (const oid of wanted) kept.add(oid)
  // git writes each new ref as a file of its own, and reading thousands of them back costs every
  // later snapshot ~250 ms (3,000 refs) against ~35 ms packed: pack them, as `git gc` would.
  if (lines.length > PACK_AFTER) await git(repo.root, ['pack-refs', '--all'])
}

const PACK_AFTER = 100

/**
 * Objects with a keep-ref, as the last read of the refs found them (readRefs reads them in the
 * same pass) plus those kept since through this Repo. Keep-refs are only ever added, so a set
 * that misses one only makes cpo write it again.
 */
const keptOf = new WeakMap<Repo, Set<string>>()

export function rememberKept(repo: Repo, oids: string[]): void {
  keptOf.set(repo, new Set(oids))
}

/** Whether a keep-ref holds `oid` (so the object exists and stays). */
export async function isKept(repo: Repo, oid: string): Promise<boolean> {
  return (await keptObjects(repo)).has(oid)
}

async function keptObjects(repo: Repo): Promise<Set<string>> {
  const known = keptOf.get(repo)
  if (known) return known
  const { stdout } = await git(repo.root, [
    'for-each-ref',
    '--format=%(refname:lstrip=3)',
    KEEP_REF_PREFIX,
  ])
  const kept = new Set(stdout.split('\n').filter(Boolean))
  keptOf.set(repo, kept)
  return kept
}
