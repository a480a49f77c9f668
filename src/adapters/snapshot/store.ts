import { isIdPrefix } from '../../core/ids.js'
import { refsTrieOf } from '../../core/refs-trie.js'
import { CpoError } from '../../errors.js'
import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'
import { blobId, refsBlobText } from './refs-blob.js'
import { readRefsTries } from './refs-trie-store.js'
import { SNAPSHOT_REF_PREFIX, type Snapshot, type StoredMeta } from './types.js'

const FORMAT = '--format=%(refname)%00%(objectname)%00%(contents)%00'

/** Every snapshot, oldest first, read with one git call. */
export async function listSnapshots(repo: Repo): Promise<Snapshot[]> {
  return readSnapshots(repo, [SNAPSHOT_REF_PREFIX])
}

/**
 * Refs a caller holds already (the scan an operation runs beside its plan): a snapshot whose refs
 * blob is exactly these bytes takes them without a `cat-file`, the common case, since most
 * operations move no branch or tag.
 */
export type KnownRefs = () => Promise<Record<string, string>>

async function readSnapshots(
  repo: Repo,
  patterns: string[],
  knownRefs?: KnownRefs,
): Promise<Snapshot[]> {
  const { stdout } = await git(repo.root, ['for-each-ref', FORMAT, ...patterns])
  const fields = splitZ(stdout)
  const stored: Array<{ meta: StoredMeta; commit: string; ref: string }> = []
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const ref = (fields[i] ?? '').replace(/^\n/, '')
    const commit = fields[i + 1] ?? ''
    const meta = parseMeta(fields[i + 2] ?? '')
    if (ref && meta) stored.push({ meta, commit, ref })
  }
  // Refs kept as a trie (version 2, core/refs-trie.ts) or a blob (refs-blob.ts): snapshots with
  // the same refs share one, read once.
  const tries = stored.flatMap((s) => (s.meta.v === 2 && s.meta.refsTrie ? [s.meta.refsTrie] : []))
  const wanted = stored.flatMap((s) =>
    s.meta.v === 1 && s.meta.refs === undefined && s.meta.refsBlob ? [s.meta.refsBlob] : [],
  )
  const blobs = new Map<string, Record<string, string>>()
  const known =
    knownRefs && (tries.length > 0 || wanted.length > 0)
      ? await knownRefs().catch(() => undefined)
      : undefined
  if (known) {
    // Equal ids mean equal bytes: the root or blob holds exactly these refs.
    // A scan that failed reports itself later, where the operation awaits it.
    const idLength = ((tries[0] ?? wanted[0]) as string).length
    if (tries.length > 0) {
      const root = refsTrieOf(known, idLength).root
      if (tries.includes(root)) blobs.set(root, known)
    }
    if (wanted.length > 0) {
      const oid = blobId(refsBlobText(known), idLength)
      if (wanted.includes(oid)) blobs.set(oid, known)
    }
  }
  // A version-1 refs blob reads as a trie that is one leaf: one walk for both kinds.
  const unread = [...tries, ...wanted].filter((oid) => !blobs.has(oid))
  for (const [oid, refs] of await readRefsTries(repo, unread)) blobs.set(oid, refs)
  const snapshots = stored.map(({ meta, commit, ref }): Snapshot => {
    const { refsBlob, refsTrie, refs, v: _, ...rest } = meta
    const held =
      meta.v === 2
        ? refsTrie && blobs.get(refsTrie)
        : (refs ?? (refsBlob ? blobs.get(refsBlob) : undefined))
    return {
      ...rest,
      // The in-memory shape is the same whichever way the refs were stored.
      v: 1,
      refs: held || {},
      commit,
      ref,
    }
  })
  // Ids are ASCII: plain order (localeCompare would load ICU's collation first, ~10 ms).
  return snapshots.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

function parseMeta(message: string): StoredMeta | undefined {
  const json = message.trim().split('\n').at(-1) ?? ''
  try {
    const meta = JSON.parse(json) as StoredMeta
    return meta.v === 1 || (meta.v === 2 && typeof meta.refsTrie === 'string') ? meta : undefined
  } catch {
    return undefined
  }
}

/** Finds a snapshot by id or unique id prefix. */
export async function getSnapshot(repo: Repo, ref: string, known?: KnownRefs): Promise<Snapshot> {
  const [snapshot] = await getSnapshots(repo, [ref], known)
  return snapshot as Snapshot
}

/**
 * Finds each snapshot by id or unique id prefix, with one `for-each-ref` for all of them and at
 * most one `cat-file --batch` for their refs: an undo needs up to four, most of them the same.
 */
export async function getSnapshots(
  repo: Repo,
  refs: readonly string[],
  known?: KnownRefs,
): Promise<Snapshot[]> {
  for (const ref of refs) checkId(ref)
  const unique = [...new Set(refs)]
  // Only refs starting with a prefix are read (with their messages), not every snapshot: the
  // cost stays flat as snapshots pile up. isIdPrefix admits no glob characters, and `*` does not
  // cross a `/`, so each pattern matches exactly the ids that start with its `ref`.
  const all = await readSnapshots(
    repo,
    unique.map((ref) => `${SNAPSHOT_REF_PREFIX}${ref}*`),
    known,
  )
  const found = new Map(unique.map((ref) => [ref, pick(all, ref)]))
  return refs.map((ref) => found.get(ref) as Snapshot)
}

function checkId(ref: string): void {
  if (!isIdPrefix(ref)) {
    throw new CpoError(
      'INVALID_SNAPSHOT_ID',
      'invalidInput',
      `not a snapshot id: ${JSON.stringify(ref)}`,
      {
        hint: 'Snapshot ids look like 20261125-170024-123-3fa2; list them with `cpo snapshot list`.',
      },
    )
  }
}

function pick(all: Snapshot[], ref: string): Snapshot {
  const exact = all.find((s) => s.id === ref)
  if (exact) return exact
  const matches = all.filter((s) => s.id.startsWith(ref))
  if (matches.length === 1) return matches[0] as Snapshot
  if (matches.length > 1) {
    throw new CpoError('AMBIGUOUS_SNAPSHOT_ID', 'invalidInput', `snapshot id ${ref} is ambiguous`, {
      hint: `Use more characters: ${matches.map((m) => m.id).join(', ')}`,
    })
  }
  throw new CpoError('SNAPSHOT_NOT_FOUND', 'notFound', `no snapshot ${ref}`, {
    hint: 'List snapshots with `cpo snapshot list`.',
  })
}
