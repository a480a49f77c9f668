import { createHash } from 'node:crypto'
import { leafText } from '../../core/refs-trie.js'

/**
 * Version-1 snapshots (README.md, "Files cpo reads and writes") store their branches and tags as
 * one blob of `<oid> <ref>\n` lines sorted by name, named by the metadata as `refsBlob`; older
 * ones still carry them inline in the commit message. Version 2 writes a trie of such blobs
 * (core/refs-trie.ts); a version-1 blob is read as a trie that is one leaf (refs-trie-store.ts).
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
