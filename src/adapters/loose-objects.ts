import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import { constants, deflateSync } from 'node:zlib'
import { type GitConfig, gitBool } from './git-config.js'
import type { Repo } from './repo.js'

/**
 * The config keys that decide whether cpo may write loose objects itself (looseObjectsOf):
 * anything that makes git's own write differ from the plain one — group permissions, fsync
 * of object files, a repository extension cpo does not know (an object-format mapping written
 * beside each object), a commit encoding other than UTF-8 (git names it in each commit).
 */
export const LOOSE_OBJECT_KEYS = [
  'core.sharedrepository',
  'core.fsync',
  'core.fsyncobjectfiles',
  'core.fsyncmethod',
  'extensions.[a-z0-9]+',
  'i18n.commitencoding',
]

/** Extensions under which a loose object is written exactly as without them. */
const PLAIN_EXTENSIONS = new Set([
  'extensions.objectformat',
  'extensions.worktreeconfig',
  'extensions.refstorage',
  'extensions.partialclone',
  'extensions.preciousobjects',
  'extensions.noop',
])

/**
 * Whether this repository's loose objects can be written the way git's default writes them:
 * no `core.sharedRepository` (git would widen the file modes), no fsync setting (the default
 * does not fsync loose objects; ARCHITECTURE.md, "Snapshot objects written in-process"), no
 * unknown extension. Otherwise the callers hand the objects to a git process.
 */
export function plainLooseObjects(config: GitConfig): boolean {
  if (config.has('core.sharedrepository')) {
    const shared = config.get('core.sharedrepository')
    if (!(shared !== undefined && ['false', 'no', 'off', '0', 'umask'].includes(shared))) {
      return false
    }
  }
  if (config.has('core.fsync') || config.has('core.fsyncmethod')) return false
  if (gitBool(config, 'core.fsyncobjectfiles', false)) return false
  const encoding = config.get('i18n.commitencoding')?.toLowerCase()
  if (config.has('i18n.commitencoding') && encoding !== 'utf-8' && encoding !== 'utf8') {
    return false
  }
  for (const key of config.keys()) {
    if (key.startsWith('extensions.') && !PLAIN_EXTENSIONS.has(key)) return false
  }
  return true
}

/** The object format a repository's config names (`extensions.objectFormat`). */
export function objectFormatOf(config: GitConfig): 'sha1' | 'sha256' {
  return config.get('extensions.objectformat')?.toLowerCase() === 'sha256' ? 'sha256' : 'sha1'
}

/** The directory loose objects go to: `GIT_OBJECT_DIRECTORY` if set, else the common dir's. */
export function objectsDir(repo: Pick<Repo, 'root' | 'commonDir'>): string {
  const fromEnv = process.env.GIT_OBJECT_DIRECTORY
  return fromEnv ? path.resolve(repo.root, fromEnv) : path.join(repo.commonDir, 'objects')
}

/**
 * Writes objects of one type as loose objects, the way git's `write_object_file` does: an
 * object already there loose is freshened (its mtime set to now, so a prune of old unreachable
 * objects spares it) and not written again; otherwise `<type> <size>\0<body>` is deflated into
 * `objects/xx/tmp_obj_*` (created exclusively with mode 0444 less the umask, as git creates
 * them; a temp file a crash leaves behind is git's own kind, pruned by `git gc`) and linked to
 * its name, renamed where links fail. A name that exists by then holds the same object, since
 * the name is the hash of the content. Returns the ids, in order.
 */
export function writeLooseObjects(
  dir: string,
  type: 'tree' | 'blob' | 'commit',
  bodies: readonly Buffer[],
  hashName: 'sha1' | 'sha256',
): string[] {
  return bodies.map((body) => writeLooseObject(dir, type, body, hashName))
}

/** One object (see writeLooseObjects); `oid` when the caller has hashed it already. */
export function writeLooseObject(
  dir: string,
  type: 'tree' | 'blob' | 'commit',
  body: Buffer,
  hashName: 'sha1' | 'sha256',
  oid?: string,
): string {
  const header = Buffer.from(`${type} ${body.length}\0`, 'latin1')
  const id = oid ?? createHash(hashName).update(header).update(body).digest('hex')
  writeOne(dir, id, header, body)
  return id
}

function writeOne(dir: string, oid: string, header: Buffer, body: Buffer): void {
  const fanout = path.join(dir, oid.slice(0, 2))
  const final = path.join(fanout, oid.slice(2))
  if (freshen(final)) return
  const data = deflateSync(Buffer.concat([header, body]), { level: constants.Z_BEST_SPEED })
  const tmp = path.join(fanout, `tmp_obj_${randomBytes(6).toString('hex')}`)
  let fd: number
  try {
    fd = openSync(tmp, 'wx', 0o444)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    mkdirSync(fanout, { recursive: true })
    fd = openSync(tmp, 'wx', 0o444)
  }
  try {
    try {
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at)
    } finally {
      closeSync(fd)
    }
  } catch (e) {
    removeQuietly(tmp)
    throw e
  }
  try {
    linkSync(tmp, final)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      // A file system without hard links: git renames instead.
      try {
        renameSync(tmp, final)
        return
      } catch (again) {
        removeQuietly(tmp)
        throw again
      }
    }
  }
  unlinkSync(tmp)
}

const removeQuietly = (file: string) => {
  try {
    unlinkSync(file)
  } catch {
    // already gone; a temp file left behind is git's own kind, pruned by `git gc`
  }
}

/** git's freshen of a loose object: true when it is there (its mtime now set to now). */
function freshen(file: string): boolean {
  try {
    const now = new Date()
    utimesSync(file, now, now)
    return true
  } catch {
    // Not there, or not ours to touch: git then writes it again (the link finds it there).
    return false
  }
}

/**
 * Where this repository's loose objects may be written in-process, or undefined when its
 * config sends them to git (plainLooseObjects).
 */
export function looseObjectsDir(
  repo: Pick<Repo, 'root' | 'commonDir'>,
  config: { plainObjects?: boolean },
): string | undefined {
  return config.plainObjects ? objectsDir(repo) : undefined
}
