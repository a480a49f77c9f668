import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { inflateSync } from 'node:zlib'
import { encodeText } from '../core/path-bytes.js'
import { gitBytes } from './git.js'
import { objectsDir, writeLooseObject } from './loose-objects.js'
import { treeEntries } from './object-batch.js'
import type { Repo } from './repo.js'
import { readWorkTreeConfig } from './snapshot/conversion.js'

/**
 * A change to put into a tree: a blob at `path` (its mode, or the one the path has there when
 * not given: 100644 when new) or, with `oid` null, the path taken out. KEEP_FILE_MODE keeps
 * only a regular file's mode (100644 or 100755), as `git add` does with core.fileMode off.
 */
export interface TreeChange {
  path: string
  oid: string | null
  mode?: string | undefined
}

export const KEEP_FILE_MODE = 'keep-file-mode'

/**
 * An entry of a tree object: its mode as trees store it (`40000` for a tree) and object id (hex,
 * or the bytes of a listed tree).
 */
interface Entry {
  mode: string
  oid: string | Buffer
}

/** The changes below one directory, split by the name they go through. */
interface Node {
  files: Map<string, TreeChange>
  dirs: Map<string, Node>
}

/**
 * `tree` with `changes` put in, rewriting only the trees on the way to them: what `git
 * write-tree` of an index holding `tree` plus those changes would write, without reading or
 * writing an index. Directories left empty disappear (git keeps no empty trees); a file may take
 * the place of a directory and the other way round.
 *
 * At most one git process whatever the number of directories: the directories on the way are
 * read from their loose objects, or with one `cat-file --batch` when one of them is packed; the
 * new trees are built, hashed and written here as loose objects (writeTrees; a `hash-object`
 * where git's write is not the plain one).
 */
export async function editTree(
  repo: Repo,
  tree: string,
  changes: readonly TreeChange[],
  /** Filled with the mode each blob got, by path. */
  modes: Map<string, string> = new Map(),
): Promise<string> {
  if (changes.length === 0) return tree
  const root = nodeOf(changes)
  const dirs: string[] = []
  collectDirs(root, '', dirs)
  // `<tree>:<dir>` names a directory by path; one with a line break cannot go on a batch line.
  if (dirs.some((d) => d.includes('\n'))) throw new Error('a directory name holds a line break')
  const listings = await readTrees(repo, tree, dirs)
  const hashName = tree.length === 64 ? ('sha256' as const) : ('sha1' as const)
  const written: Written = []
  const rootOid = build(root, '', listings, hashName, Object.assign(written, { modes }))
  await writeTrees(repo, written, hashName)
  return rootOid
}

/**
 * Stores tree objects, children first. Every entry is one git just listed from a tree of this
 * repository or a blob it just wrote, so the trees need no check of their entries' objects.
 * Written here as loose objects when the repository's config lets git's plain write stand
 * (loose-objects.ts; ARCHITECTURE.md, "Snapshot objects written in-process"): one git process
 * less, and no scratch file per tree. Otherwise one `hash-object -t tree`, which checks each tree's format, not its entries'
 * objects (`mktree` opens every entry's object to learn its type: 5,000 new loose blobs cost
 * more than the rest of a snapshot); more than one tree goes through files in cpo's scratch
 * directory.
 */
async function writeTrees(repo: Repo, trees: Written, hashName: 'sha1' | 'sha256'): Promise<void> {
  if ((await readWorkTreeConfig(repo)).plainObjects) {
    const dir = objectsDir(repo)
    for (const t of trees) writeLooseObject(dir, 'tree', t.body, hashName, t.oid)
    return
  }
  const ids = await hashTrees(
    repo,
    trees.map((t) => t.body),
  )
  ids.forEach((id, i) => {
    if (id !== trees[i]?.oid) {
      throw new Error(`git wrote ${id} for a tree hashed as ${trees[i]?.oid}`)
    }
  })
}

async function hashTrees(repo: Repo, bodies: Buffer[]): Promise<string[]> {
  const args = ['hash-object', '-w', '-t', 'tree', '--no-filters']
  if (bodies.length === 1) {
    const { stdout } = await gitBytes(repo.root, [...args, '--stdin'], { input: bodies[0] })
    return [stdout.toString('latin1').trim()]
  }
  const dir = path.join(repo.cpoDir, 'tmp', `trees-${randomBytes(6).toString('hex')}`)
  mkdirSync(dir, { recursive: true })
  try {
    const files = bodies.map((body, i) => {
      const file = path.join(dir, String(i))
      writeFileSync(file, body)
      return file
    })
    const input = files.map((f) => `${f}\n`).join('')
    const { stdout } = await gitBytes(repo.root, [...args, '--stdin-paths'], { input })
    return stdout.toString('latin1').trim().split('\n')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Names below are byte strings: each character one byte of the name (latin1), so names that
 * are not UTF-8 need no escapes, string order is git's byte order, and a tree's names are read
 * and written without decoding (`/` is never part of a multi-byte UTF-8 character).
 */
const bytesOf = (text: string): string => encodeText(text).toString('latin1')

function nodeOf(changes: readonly TreeChange[]): Node {
  const root: Node = { files: new Map(), dirs: new Map() }
  for (const c of changes) {
    const parts = bytesOf(c.path).split('/')
    let node = root
    for (const part of parts.slice(0, -1)) {
      let next = node.dirs.get(part)
      if (!next) {
        next = { files: new Map(), dirs: new Map() }
        node.dirs.set(part, next)
      }
      node = next
    }
    node.files.set(parts.at(-1) as string, c)
  }
  return root
}

function collectDirs(node: Node, at: string, out: string[]): void {
  out.push(at)
  for (const [name, sub] of node.dirs) collectDirs(sub, at ? `${at}/${name}` : name, out)
}

/**
 * The entries of `tree`'s directories `dirs` ('' for the top; parents before children); a
 * directory that is missing there, or is a file or a submodule there, has none. Read from the
 * loose objects here when every tree on the way is one (a tree git or cpo wrote since the last
 * `git gc`), else from one `cat-file --batch`.
 */
async function readTrees(
  repo: Repo,
  tree: string,
  dirs: string[],
): Promise<Map<string, Map<string, Entry>>> {
  if ((await readWorkTreeConfig(repo)).plainObjects) {
    const loose = readLooseTrees(objectsDir(repo), tree, dirs)
    if (loose) return loose
  }
  const input = Buffer.from(dirs.map((d) => `${d ? `${tree}:${d}` : tree}\n`).join(''), 'latin1')
  const { stdout } = await gitBytes(repo.root, ['cat-file', '--batch'], { input })
  const listings = new Map<string, Map<string, Entry>>()
  let at = 0
  for (const dir of dirs) {
    const eol = stdout.indexOf(10, at)
    const header = stdout.subarray(at, eol).toString('latin1').split(' ')
    at = eol + 1
    const entries = new Map<string, Entry>()
    listings.set(dir, entries)
    if (header.at(-1) === 'missing' || header.length !== 3) continue
    const size = Number(header[2])
    if (header[1] === 'tree') parseTree(stdout.subarray(at, at + size), tree.length / 2, entries)
    at += size + 1
  }
  return listings
}

/**
 * readTrees from loose objects, walking down from `tree` by name as `<tree>:<dir>` resolves;
 * undefined as soon as a tree on the way is not a loose object this read understands.
 */
function readLooseTrees(
  objects: string,
  tree: string,
  dirs: string[],
): Map<string, Map<string, Entry>> | undefined {
  const idBytes = tree.length / 2
  const listings = new Map<string, Map<string, Entry>>()
  for (const dir of dirs) {
    const entries = new Map<string, Entry>()
    let oid: string | undefined = tree
    if (dir !== '') {
      const slash = dir.lastIndexOf('/')
      const parent = listings.get(slash < 0 ? '' : dir.slice(0, slash))
      const entry = parent?.get(dir.slice(slash + 1))
      const id = entry?.mode === '40000' ? entry.oid : undefined
      oid = typeof id === 'string' || id === undefined ? id : id.toString('hex')
    }
    if (oid !== undefined) {
      const body = readLooseTree(objects, oid)
      if (!body) return undefined
      parseTree(body, idBytes, entries)
    }
    listings.set(dir, entries)
  }
  return listings
}

/** A loose tree object's body, or undefined when it is not there as a well-formed loose tree. */
function readLooseTree(objects: string, oid: string): Buffer | undefined {
  let data: Buffer
  try {
    data = inflateSync(readFileSync(path.join(objects, oid.slice(0, 2), oid.slice(2))))
  } catch {
    return undefined
  }
  const nul = data.indexOf(0)
  if (nul < 0 || data.toString('latin1', 0, nul) !== `tree ${data.length - nul - 1}`) {
    return undefined
  }
  return data.subarray(nul + 1)
}

/** A tree object's entries: `<mode> <name>\0<binary id>` each, the id kept as its bytes. */
function parseTree(body: Buffer, idBytes: number, into: Map<string, Entry>): void {
  for (const e of treeEntries(body, idBytes)) {
    into.set(e.name.toString('latin1'), { mode: e.mode, oid: e.oid })
  }
}

/**
 * The directory `at` with the changes below it, children first into `written`; returns its id,
 * or null when it ends up empty. Removals go first, then subdirectories, then files: a file
 * that replaces a directory, or a directory that replaces a file, ends up as the work tree has it.
 */
function build(
  node: Node,
  at: string,
  listings: Map<string, Map<string, Entry>>,
  hashName: 'sha1' | 'sha256',
  written: Written & { modes: Map<string, string> },
): string {
  const entries = new Map(listings.get(at))
  for (const [name, c] of node.files) if (c.oid === null) entries.delete(name)
  for (const [name, sub] of node.dirs) {
    const subdir = at ? `${at}/${name}` : name
    const oid = build(sub, subdir, listings, hashName, written)
    if (oid !== EMPTY) entries.set(name, { mode: '40000', oid })
    else if (entries.get(name)?.mode === '40000') entries.delete(name)
  }
  for (const [name, c] of node.files) {
    if (c.oid === null) continue
    const had = entries.get(name)
    const keep =
      c.mode === KEEP_FILE_MODE
        ? had?.mode.startsWith('100')
        : had && had.mode !== '40000' && had.mode !== '160000'
    const mode = c.mode === undefined || c.mode === KEEP_FILE_MODE ? undefined : c.mode
    const entry = { mode: mode ?? (keep && had ? had.mode : '100644'), oid: c.oid }
    entries.set(name, entry)
    written.modes.set(c.path, entry.mode)
  }
  if (entries.size === 0 && at !== '') return EMPTY
  const body = treeBody(entries)
  const oid = createHash(hashName).update(`tree ${body.length}\0`).update(body).digest('hex')
  written.push({ oid, body })
  return oid
}

const EMPTY = ''

/** The trees to write, children first. */
type Written = Array<{ oid: string; body: Buffer }>

/**
 * The tree object's body: entries in git's order, by name bytes, a tree's name compared as if
 * it ended in `/` (byte strings compare in that order).
 */
function treeBody(entries: Map<string, Entry>): Buffer {
  const keyed: Array<{ key: string; name: string; e: Entry }> = []
  let size = 0
  for (const [name, e] of entries) {
    keyed.push({ key: e.mode === '40000' ? `${name}/` : name, name, e })
    size +=
      e.mode.length +
      2 +
      name.length +
      (typeof e.oid === 'string' ? e.oid.length / 2 : e.oid.length)
  }
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const body = Buffer.allocUnsafe(size)
  let at = 0
  for (const k of keyed) {
    at += body.write(k.e.mode, at, 'latin1')
    body[at++] = 0x20
    at += body.write(k.name, at, 'latin1')
    body[at++] = 0
    at += typeof k.e.oid === 'string' ? body.write(k.e.oid, at, 'hex') : k.e.oid.copy(body, at)
  }
  return body
}
