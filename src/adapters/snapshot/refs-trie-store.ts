import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseRefsLeaf, refsTrieOf, type TrieObject, trieChildren } from '../../core/refs-trie.js'
import { CpoError } from '../../errors.js'
import { gitBytes } from '../git.js'
import { looseObjectsDir, objectsDir, writeLooseObject } from '../loose-objects.js'
import { readObjects } from '../object-batch.js'
import type { Repo } from '../repo.js'
import { readWorkTreeConfig } from './conversion.js'
import { isKept } from './keep.js'

/**
 * The refs trie's root id, known before anything is written (the snapshot commit names it while
 * the objects are stored beside it), and the write of the objects not there yet: none when a
 * keep-ref holds the root (it keeps every object below it by reachability), else only the
 * leaves and trees the change made (core/refs-trie.ts).
 */
export async function refsTrieRootOf(
  repo: Repo,
  refs: Record<string, string>,
  idLength: number,
): Promise<{ oid: string; written: Promise<void> }> {
  const { root, objects } = refsTrieOf(refs, idLength)
  if (await isKept(repo, root)) return { oid: root, written: Promise.resolve() }
  return { oid: root, written: writeMissing(repo, objects, idLength) }
}

async function writeMissing(repo: Repo, objects: TrieObject[], idLength: number): Promise<void> {
  const dir = looseObjectsDir(repo, await readWorkTreeConfig(repo))
  const hashName = idLength === 64 ? 'sha256' : 'sha1'
  const all = objectsDir(repo)
  // Only the loose store is looked at: an object that is packed already is written once more as
  // a loose copy, which git tolerates and `git gc` drops (`prune-packed`); asking git would cost a
  // process per snapshot.
  const missing = objects.filter(
    (o) => !existsSync(path.join(all, o.oid.slice(0, 2), o.oid.slice(2))),
  )
  if (missing.length === 0) return
  // Children first, as refsTrieOf lists them: a tree on disk always has its entries.
  if (dir) for (const o of missing) writeLooseObject(dir, o.type, o.body, hashName, o.oid)
  else await hashObjects(repo, missing)
}

/** git's own write, one process per object type, through files in cpo's scratch directory. */
async function hashObjects(repo: Repo, objects: TrieObject[]): Promise<void> {
  const scratch = path.join(repo.cpoDir, 'tmp', `refs-${randomBytes(6).toString('hex')}`)
  mkdirSync(scratch, { recursive: true })
  try {
    for (const type of ['blob', 'tree'] as const) {
      const some = objects.filter((o) => o.type === type)
      if (some.length === 0) continue
      const files = some.map((o, i) => {
        const file = path.join(scratch, `${type}-${i}`)
        writeFileSync(file, o.body)
        return file
      })
      const { stdout } = await gitBytes(
        repo.root,
        ['hash-object', '-w', '-t', type, '--no-filters', '--stdin-paths'],
        { input: files.map((f) => `${f}\n`).join('') },
      )
      const ids = stdout.toString('latin1').trim().split('\n')
      for (const [i, o] of some.entries()) checkId(ids[i] ?? '', o.oid)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

function checkId(got: string, expected: string): void {
  if (got !== expected) {
    throw new CpoError(
      'INTERNAL',
      'internal',
      `git stored part of the snapshot's refs as ${got}, expected ${expected}`,
      { hint: 'Report this with the output of `git rev-parse --show-object-format`.' },
    )
  }
}

/**
 * The refs of each trie root (a blob or a tree, core/refs-trie.ts), read with one `cat-file
 * --batch` per level of the tries (one for a handful of refs, three for 6,000), all roots
 * together. Never read as "no refs": a missing object is SNAPSHOT_DAMAGED, since a restore
 * would otherwise delete every branch and tag made since (DESIGN.md §6).
 */
export async function readRefsTries(
  repo: Repo,
  roots: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>()
  const objects = new Map<string, { type: string; body: Buffer }>()
  let level = [...new Set(roots)]
  while (level.length > 0) {
    const read = await catFile(repo, level)
    const next = new Set<string>()
    for (const [oid, o] of read) {
      objects.set(oid, o)
      if (o.type === 'tree') {
        for (const child of trieChildren(o.body, oid.length)) {
          if (!objects.has(child)) next.add(child)
        }
      }
    }
    level = [...next]
  }
  const refsOf = (oid: string): Record<string, string> => {
    const o = objects.get(oid) as { type: string; body: Buffer }
    if (o.type === 'blob') return parseRefsLeaf(o.body)
    return Object.assign({}, ...trieChildren(o.body, oid.length).map(refsOf))
  }
  for (const root of new Set(roots)) out.set(root, refsOf(root))
  return out
}

async function catFile(
  repo: Repo,
  oids: string[],
): Promise<Map<string, { type: string; body: Buffer }>> {
  const out = new Map<string, { type: string; body: Buffer }>()
  const objects = await readObjects(repo, oids)
  oids.forEach((oid, i) => {
    const o = objects[i]
    if (o === undefined || (o.type !== 'blob' && o.type !== 'tree')) {
      throw new CpoError(
        'SNAPSHOT_DAMAGED',
        'conflict',
        `the refs of a snapshot (object ${oid}) are missing from the object store`,
        {
          hint: `Check the repository with \`git fsck\`; \`git cat-file -t ${oid}\` must say blob or tree. Restore it from a backup (\`cpo backup list\`) if it is gone.`,
        },
      )
    }
    out.set(oid, { type: o.type, body: o.body })
  })
  return out
}
