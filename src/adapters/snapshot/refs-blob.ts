import { createHash } from 'node:crypto'
import { leafText, parseRefsLeaf } from '../../core/refs-trie.js'
import { CpoError } from '../../errors.js'
import { gitBytes } from '../git.js'
import type { Repo } from '../repo.js'

/**
 * Version-1 snapshots (README.md, "Files cpo reads and writes") store their branches and tags as
 * one blob of `<oid> <ref>\n` lines sorted by name, named by the metadata as `refsBlob`; older
 * ones still carry them inline in the commit message. Version 2 writes a trie of such blobs
 * (core/refs-trie.ts); these are read as they were.
 */
export function refsBlobText(refs: Record<string, string>): Buffer {
  return leafText(refs, Object.keys(refs))
}

/** The object id git gives these bytes as a blob (sha1, or sha256 when ids have 64 digits). */
export function blobId(bytes: Buffer, idLength: number): string {
  const hash = createHash(idLength === 64 ? 'sha256' : 'sha1')
  hash.update(`blob ${bytes.length}\0`)
  hash.update(bytes)
  return hash.digest('hex')
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
    out.set(oid, parseRefsLeaf(stdout.subarray(at, at + size)))
    at += size + 1
  }
  return out
}
