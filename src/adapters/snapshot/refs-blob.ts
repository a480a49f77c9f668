import { createHash } from 'node:crypto'
import { decodeBytes, encodeText } from '../../core/path-bytes.js'
import { CpoError } from '../../errors.js'
import { git, gitBytes } from '../git.js'
import { looseObjectsDir, writeLooseObjects } from '../loose-objects.js'
import type { Repo } from '../repo.js'
import { readWorkTreeConfig } from './conversion.js'
import { isKept } from './keep.js'

/**
 * A snapshot's branches and tags are stored as one blob (`<oid> <ref>\n` per ref, sorted by
 * name) that the metadata names as `refsBlob`, not inline in the commit
 * message: with thousands of tags the message would carry hundreds of KB per snapshot, two per
 * operation. Identical refs give an identical blob, so snapshots with the same refs share one
 * object, and the keep-ref that holds it (keep.ts) usually exists already: then nothing is
 * written at all. Snapshots written before this keep their refs inline and read as before.
 */
export function refsBlobText(refs: Record<string, string>): Buffer {
  // Any fixed order makes equal refs give an equal blob; for ASCII names this is git's own.
  const names = Object.keys(refs).sort()
  return encodeText(names.map((name) => `${refs[name]} ${name}\n`).join(''))
}

export function parseRefsBlob(bytes: Buffer): Record<string, string> {
  const refs: Record<string, string> = {}
  for (const line of decodeBytes(bytes).split('\n')) {
    const space = line.indexOf(' ')
    if (space > 0) refs[line.slice(space + 1)] = line.slice(0, space)
  }
  return refs
}

/** The object id git gives these bytes as a blob (sha1, or sha256 when ids have 64 digits). */
export function blobId(bytes: Buffer, idLength: number): string {
  const hash = createHash(idLength === 64 ? 'sha256' : 'sha1')
  hash.update(`blob ${bytes.length}\0`)
  hash.update(bytes)
  return hash.digest('hex')
}

/**
 * The refs blob's id, known before anything is written (so the snapshot commit can name it while
 * the blob is stored beside it), and the write: none when a keep-ref holds that blob already.
 */
export async function refsBlobOf(
  repo: Repo,
  refs: Record<string, string>,
  idLength: number,
): Promise<{ oid: string; written: Promise<void> }> {
  const bytes = refsBlobText(refs)
  const oid = blobId(bytes, idLength)
  if (await isKept(repo, oid)) return { oid, written: Promise.resolve() }
  const dir = looseObjectsDir(repo, await readWorkTreeConfig(repo))
  if (dir) {
    writeLooseObjects(dir, 'blob', [bytes], idLength === 64 ? 'sha256' : 'sha1')
    return { oid, written: Promise.resolve() }
  }
  const written = git(repo.root, ['hash-object', '-w', '--stdin'], { input: bytes }).then((r) => {
    if (r.stdout.trim() !== oid) {
      throw new CpoError(
        'INTERNAL',
        'internal',
        `git stored the snapshot's refs as ${r.stdout.trim()}, expected ${oid}`,
        { hint: 'Report this with the output of `git rev-parse --show-object-format`.' },
      )
    }
  })
  return { oid, written }
}

/** The refs of each blob, with one `cat-file --batch` for all of them. */
export async function readRefsBlobs(
  repo: Repo,
  oids: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>()
  const wanted = [...new Set(oids)]
  if (wanted.length === 0) return out
  const { stdout } = await gitBytes(repo.root, ['cat-file', '--batch'], {
    input: `${wanted.join('\n')}\n`,
  })
  let at = 0
  for (const oid of wanted) {
    const eol = stdout.indexOf(0x0a, at)
    const header = stdout.subarray(at, eol).toString('latin1').split(' ')
    at = eol + 1
    // Never read as "no refs": a restore would then delete every branch and tag made since.
    if (header[1] !== 'blob') {
      throw new CpoError(
        'SNAPSHOT_DAMAGED',
        'conflict',
        `the refs of a snapshot (blob ${oid}) are missing from the object store`,
        {
          hint: `Check the repository with \`git fsck\`; \`git cat-file -t ${oid}\` must say blob. Restore it from a backup (\`cpo backup list\`) if it is gone.`,
        },
      )
    }
    const size = Number(header[2])
    out.set(oid, parseRefsBlob(stdout.subarray(at, at + size)))
    at += size + 1
  }
  return out
}
