import { isIdPrefix } from '../../core/ids.js'
import { CpoError } from '../../errors.js'
import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'
import { readRefsBlobs } from './refs-blob.js'
import { SNAPSHOT_REF_PREFIX, type Snapshot, type StoredMeta } from './types.js'

const FORMAT = '--format=%(refname)%00%(objectname)%00%(contents)%00'

/** Every snapshot, oldest first, read with one git call. */
export async function listSnapshots(repo: Repo): Promise<Snapshot[]> {
  return readSnapshots(repo, SNAPSHOT_REF_PREFIX)
}

async function readSnapshots(repo: Repo, pattern: string): Promise<Snapshot[]> {
  const { stdout } = await git(repo.root, ['for-each-ref', FORMAT, pattern])
  const fields = splitZ(stdout)
  const stored: Array<{ meta: StoredMeta; commit: string; ref: string }> = []
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const ref = (fields[i] ?? '').replace(/^\n/, '')
    const commit = fields[i + 1] ?? ''
    const meta = parseMeta(fields[i + 2] ?? '')
    if (ref && meta) stored.push({ meta, commit, ref })
  }
  // Refs kept as a blob (refs-blob.ts): snapshots with the same refs share one, read once.
  const blobs = await readRefsBlobs(
    repo,
    stored.flatMap((s) => (s.meta.refs === undefined && s.meta.refsBlob ? [s.meta.refsBlob] : [])),
  )
  const snapshots = stored.map(({ meta, commit, ref }): Snapshot => {
    const { refsBlob, refs, ...rest } = meta
    return {
      ...rest,
      refs: refs ?? (refsBlob ? blobs.get(refsBlob) : undefined) ?? {},
      commit,
      ref,
    }
  })
  return snapshots.sort((a, b) => a.id.localeCompare(b.id))
}

function parseMeta(message: string): StoredMeta | undefined {
  const json = message.trim().split('\n').at(-1) ?? ''
  try {
    const meta = JSON.parse(json) as StoredMeta
    return meta.v === 1 ? meta : undefined
  } catch {
    return undefined
  }
}

/** Finds a snapshot by id or unique id prefix. */
export async function getSnapshot(repo: Repo, ref: string): Promise<Snapshot> {
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
  // Only refs starting with the prefix are read (with their messages), not every snapshot: the
  // cost stays flat as snapshots pile up. isIdPrefix admits no glob characters, and `*` does not
  // cross a `/`, so the pattern matches exactly the ids that start with `ref`.
  const all = await readSnapshots(repo, `${SNAPSHOT_REF_PREFIX}${ref}*`)
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
