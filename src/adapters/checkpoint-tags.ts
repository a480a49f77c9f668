import fsp from 'node:fs/promises'
import path from 'node:path'
import type { TagRecord } from '../core/checkpoint/collect.js'
import { CHECKPOINT_TAG_PREFIX } from '../core/checkpoint/names.js'
import { git } from './git.js'
import type { Repo } from './repo.js'

/*
 * Checkpoint tags at the cost of their names (ARCHITECTURE.md §36). A tag's record — the commit
 * it peels to, its creator date, its message — is read from the object the ref names, and an
 * object never changes, so a record once read is kept by that object's id in
 * `.git/cpo/cache/checkpoint-tags`: a list then asks git only for every tag's name and id and
 * reads the records of ids it has not seen (a new or moved tag). The file is a cache: any version
 * of it holds only true records, a write is a rename, and one that cannot be read or parsed is
 * read as empty (and written anew).
 */

/** Every checkpoint tag's name and object id (also started early: src/cli/early-reads.ts). */
export const CHECKPOINT_TAG_READ = [
  'for-each-ref',
  '--format=%(refname)%00%(objectname)%00',
  CHECKPOINT_TAG_PREFIX,
]
const RECORD_FORMAT =
  '--format=%(refname)%00%(objectname)%00%(*objectname)%(if)%(*objectname)%(then)%(else)%(objectname)%(end)%00%(creatordate:iso-strict)%00%(contents)%00'
/** Read records by name when so few are missing (each name a pattern on the command line). */
const BY_NAME_AT_MOST = 64
const HEADER = 'cpo checkpoint-tags v1\n'
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

type Stored = Omit<TagRecord, 'ref'>

/** The records read in this process, by cache file: a second read, even a concurrent one,
 * reads no file. */
const memo = new Map<string, Promise<Map<string, Stored>>>()

/** Every checkpoint tag, as a fresh read of every tag object gives them, in ref order. */
export async function readCheckpointTags(repo: Repo): Promise<TagRecord[]> {
  const file = path.join(repo.cpoDir, 'cache', 'checkpoint-tags')
  const [ids, known] = await Promise.all([git(repo.root, CHECKPOINT_TAG_READ), storedRecords(file)])
  const listed = recordsOf(ids.stdout, 2) as Array<[string, string]>
  const missing = listed.filter(([, id]) => !known.has(id)).map(([ref]) => ref)
  // A ref made, moved or deleted between the two reads is taken as the second read found it.
  const fresh = new Map<string, Stored>()
  if (missing.length > 0) {
    for (const [ref, id, record] of await readRecords(repo, missing)) {
      fresh.set(ref, record)
      known.set(id, record)
    }
  }
  const out: TagRecord[] = []
  for (const [ref, id] of listed) {
    const record = known.get(id) ?? fresh.get(ref)
    if (record !== undefined) out.push({ ref, ...record })
  }
  const current = new Set(listed.map(([, id]) => id))
  if (missing.length > 0 || known.size !== current.size) {
    // Only the current ids are kept, here as in the file: a long-running process (`cpo mcp`)
    // does not write the file again at every list after a tag was deleted.
    for (const id of known.keys()) if (!current.has(id)) known.delete(id)
    await store(file, known)
  }
  return out
}

/**
 * The records of these checkpoint tags (of every one when many are missing), read from git with
 * each ref's object id: `[ref, id, record]`.
 */
async function readRecords(
  repo: Repo,
  refs: readonly string[],
): Promise<Array<[string, string, Stored]>> {
  // A ref name holds no glob character (git refuses `*?[\\`), but for-each-ref's patterns also
  // match refs below a name: only the names asked for are kept.
  const byName = refs.length <= BY_NAME_AT_MOST
  const { stdout } = await git(repo.root, [
    'for-each-ref',
    RECORD_FORMAT,
    ...(byName ? ['--', ...refs] : [CHECKPOINT_TAG_PREFIX]),
  ])
  const wanted = new Set(refs)
  return recordsOf(stdout, 5).flatMap(([ref, id, commit, date, contents]) =>
    wanted.has(ref as string)
      ? [[ref, id, { commit, date, contents }] as [string, string, Stored]]
      : [],
  )
}

/**
 * for-each-ref's records of `width` NUL-ended fields: git ends each record with a newline,
 * which is stripped from the next record's first field (a ref name cannot start with one).
 */
function recordsOf(stdout: string, width: number): string[][] {
  const fields = stdout.split('\0')
  const out: string[][] = []
  for (let i = 0; i + width <= fields.length - 1; i += width) {
    const record = fields.slice(i, i + width)
    record[0] = (record[0] as string).replace(/^\n/, '')
    out.push(record)
  }
  return out
}

/** The cache's records by object id; empty when there is none or it is not one. */
function storedRecords(file: string): Promise<Map<string, Stored>> {
  const kept = memo.get(file) ?? readStored(file)
  memo.set(file, kept)
  return kept
}

async function readStored(file: string): Promise<Map<string, Stored>> {
  const records = new Map<string, Stored>()
  let text: string
  try {
    text = await fsp.readFile(file, 'utf8')
  } catch {
    return records
  }
  if (!text.startsWith(HEADER)) return records
  const fields = text.slice(HEADER.length).split('\0')
  if ((fields.length - 1) % 4 !== 0 || fields.at(-1) !== '') return records
  for (let i = 0; i + 4 <= fields.length - 1; i += 4) {
    const id = fields[i] as string
    const commit = fields[i + 1] as string
    if (!OBJECT_ID.test(id) || !OBJECT_ID.test(commit)) {
      records.clear()
      return records
    }
    records.set(id, { commit, date: fields[i + 2] as string, contents: fields[i + 3] as string })
  }
  return records
}

/**
 * Writes the records (no field holds a NUL: each was a field of git's
 * NUL-separated output). Failing to write (a read-only repository, a full disk) changes
 * nothing: the next process reads those records from git again.
 */
async function store(file: string, records: Map<string, Stored>) {
  let text = HEADER
  for (const [id, r] of records) text += `${id}\0${r.commit}\0${r.date}\0${r.contents}\0`
  // A name of its own per writer (node:crypto is not loaded for it: this module starts early).
  const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`
  try {
    await fsp.mkdir(path.dirname(file), { recursive: true })
    await fsp.writeFile(tmp, text)
    await fsp.rename(tmp, file)
  } catch {
    await fsp.rm(tmp, { force: true }).catch(() => {})
  }
}

/** For tests: forget what this process read. */
export function forgetStoredTags(): void {
  memo.clear()
}
