import { createHash } from 'node:crypto'
import { decodeBytes, encodeText } from './path-bytes.js'

/**
 * A snapshot's branches and tags as a trie of git objects (README.md, "Files cpo reads and
 * writes"; ARCHITECTURE.md, "Snapshot refs as a trie"). Each ref is keyed by a 32-bit hash of its
 * name (keyOf); a set of at most LEAF_REFS refs is one blob of `<oid> <ref>\n` lines sorted by
 * name (the bytes of the older refs blob), a larger one a tree whose entries, named by the next
 * hex digit of the keys, hold its parts. The shape depends on the ref set alone, so equal refs
 * give an equal root, and moving one ref rewrites one leaf and the trees above it: with 6,000
 * refs about 3 small objects instead of one blob of every ref. A handful of refs is one blob,
 * the very blob the older format wrote.
 */
export const LEAF_REFS = 64

export interface TrieObject {
  type: 'blob' | 'tree'
  oid: string
  body: Buffer
}

/** The trie of `refs`: its root id and every object, children before their trees. */
export function refsTrieOf(
  refs: Record<string, string>,
  idLength: number,
  leafRefs: number = LEAF_REFS,
): { root: string; objects: TrieObject[] } {
  const hashName = idLength === 64 ? 'sha256' : 'sha1'
  const keyed = Object.keys(refs).map((name) => ({ name, key: keyOf(name) }))
  const objects: TrieObject[] = []
  const node = (set: typeof keyed, depth: number): TrieObject => {
    // Past the key's 8 digits a leaf takes what is left (only names made to collide get there).
    if (set.length <= leafRefs || depth >= 8) {
      return add(
        'blob',
        leafText(
          refs,
          set.map((r) => r.name),
        ),
      )
    }
    const parts = new Map<string, typeof keyed>()
    for (const r of set) {
      const digit = HEX[(r.key >>> (28 - 4 * depth)) & 15] as string
      const part = parts.get(digit)
      if (part) part.push(r)
      else parts.set(digit, [r])
    }
    const entries = [...parts.keys()].sort().map((digit) => {
      const child = node(parts.get(digit) as typeof keyed, depth + 1)
      const mode = child.type === 'tree' ? '40000' : '100644'
      return Buffer.concat([
        Buffer.from(`${mode} ${digit}\0`, 'latin1'),
        Buffer.from(child.oid, 'hex'),
      ])
    })
    return add('tree', Buffer.concat(entries))
  }
  const add = (type: 'blob' | 'tree', body: Buffer): TrieObject => {
    const oid = createHash(hashName).update(`${type} ${body.length}\0`).update(body).digest('hex')
    const object = { type, oid, body }
    objects.push(object)
    return object
  }
  return { root: node(keyed, 0).oid, objects }
}

const HEX = '0123456789abcdef'

/**
 * A ref's key: 32 bits of FNV-1a over the name's UTF-16 code units (one to one with its bytes,
 * core/path-bytes.ts), mixed by MurmurHash3's finalizer so that every hex digit spreads names
 * evenly. Not a cryptographic hash: 6,000 names cost ~1 ms instead of ~15 ms of sha1 in a fresh
 * process, and the key decides only which leaf a ref goes to.
 */
function keyOf(name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * A leaf: `<oid> <ref>\n` for each of `names`, sorted (any fixed order makes equal refs give an
 * equal blob; for ASCII names this is git's own). Also the whole older refs blob's bytes.
 */
export function leafText(refs: Record<string, string>, names: string[]): Buffer {
  return encodeText(
    [...names]
      .sort()
      .map((name) => `${refs[name]} ${name}\n`)
      .join(''),
  )
}

/** A leaf's refs (the older refs blob reads the same way). */
export function parseRefsLeaf(bytes: Buffer): Record<string, string> {
  const refs: Record<string, string> = {}
  for (const line of decodeBytes(bytes).split('\n')) {
    const space = line.indexOf(' ')
    if (space > 0) refs[line.slice(space + 1)] = line.slice(0, space)
  }
  return refs
}

/** The object ids a trie tree names (`<mode> <name>\0<id>` entries). */
export function trieChildren(body: Buffer, idLength: number): string[] {
  const raw = idLength / 2
  const out: string[] = []
  let at = 0
  while (at < body.length) {
    const nul = body.indexOf(0, at)
    if (nul < 0) break
    out.push(body.subarray(nul + 1, nul + 1 + raw).toString('hex'))
    at = nul + 1 + raw
  }
  return out
}
