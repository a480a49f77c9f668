import fsp from 'node:fs/promises'
import path from 'node:path'
import type { Repo } from './repo.js'

/*
 * One commit's history walk kept in `.git/cpo/cache/walk` (ARCHITECTURE.md §38): the commit,
 * then git's own output of `log --date-order --reverse` of it. A commit's history never changes
 * while no graft, replace ref or shallow boundary rewrites it — git's own rule for its
 * commit-graph file — so with any of those present the file is neither read nor written. It is a
 * cache: any version holds the true walk of the commit it names, a write is a rename, and a file
 * that is not one is read as none.
 */

const HEADER = 'cpo walk v1\n'
/** A walk longer than this (about half a million commits) is not kept: rewriting it at every
 * new commit would cost more than reading it saves. */
const KEPT_AT_MOST = 64 * 1024 * 1024
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

export interface StoredWalk {
  commit: string
  /** git's output for the walk of `commit`, NUL-separated records each ending with a NUL. */
  text: string
}

const fileOf = (repo: Repo) => path.join(repo.cpoDir, 'cache', 'walk')

/** The stored walk, when there is one; to be used only while `historyIsPlain`. */
export async function readStoredWalk(repo: Repo): Promise<StoredWalk | undefined> {
  let text: string
  try {
    text = await fsp.readFile(fileOf(repo), 'utf8')
  } catch {
    return undefined
  }
  const eol = text.indexOf('\n', HEADER.length)
  const commit = text.slice(HEADER.length, eol)
  if (!text.startsWith(HEADER) || eol < 0 || !OBJECT_ID.test(commit)) return undefined
  return { commit, text: text.slice(eol + 1) }
}

/**
 * Stores `walk` in place of the one kept. Failing to write (a read-only repository, a full disk)
 * changes nothing: the next command reads the walk from git again.
 */
export async function storeWalk(repo: Repo, walk: StoredWalk): Promise<void> {
  if (walk.text.length > KEPT_AT_MOST || !(await historyIsPlain(repo))) return
  const file = fileOf(repo)
  // A name of its own per writer.
  const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`
  try {
    await fsp.mkdir(path.dirname(file), { recursive: true })
    await fsp.writeFile(tmp, `${HEADER}${walk.commit}\n${walk.text}`)
    await fsp.rename(tmp, file)
  } catch {
    await fsp.rm(tmp, { force: true }).catch(() => {})
  }
}

/**
 * No graft file, shallow boundary, replace ref or ref store cpo cannot see into (reftable):
 * then a commit id names one history for good. Environment variables that point git at other
 * grafts or replace refs count as rewriting.
 */
export async function historyIsPlain(repo: Repo): Promise<boolean> {
  if (process.env.GIT_GRAFT_FILE || process.env.GIT_REPLACE_REF_BASE) return false
  const at = (p: string) => path.join(repo.commonDir, p)
  const present = await Promise.all(
    ['shallow', 'info/grafts', 'reftable'].map((p) =>
      fsp.lstat(at(p)).then(
        () => true,
        () => false,
      ),
    ),
  )
  if (present.includes(true)) return false
  const [replaceDir, packed] = await Promise.all([
    fsp.readdir(at('refs/replace')).catch(() => [] as string[]),
    packsReplaceRefs(at('packed-refs')),
  ])
  return replaceDir.length === 0 && !packed
}

/**
 * Whether packed-refs holds a replace ref. Read again only when the file is another one (a
 * rewrite is a rename: new inode) or changed in size or time, so the several uses of one
 * command read it once.
 */
const packedSeen = new Map<string, { stamp: string; replaces: boolean }>()
async function packsReplaceRefs(file: string): Promise<boolean> {
  const st = await fsp.stat(file).catch(() => undefined)
  if (st === undefined) return false
  const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`
  const seen = packedSeen.get(file)
  if (seen?.stamp === stamp) return seen.replaces
  const text = await fsp.readFile(file, 'latin1').catch(() => '')
  const replaces = text.includes(' refs/replace/')
  packedSeen.set(file, { stamp, replaces })
  return replaces
}
