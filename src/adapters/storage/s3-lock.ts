import { randomBytes } from 'node:crypto'
import os from 'node:os'
import { CpoError } from '../../errors.js'
import { isStale, type LockOwner } from '../lock.js'
import type { StoreLock } from './types.js'

/** The three things the lock needs from the bucket, so it can be tested without one. */
export interface LockObject {
  read(): Promise<string | undefined>
  /** Creates the object unless it exists; false when another writer got there first. */
  create(body: string): Promise<boolean>
  remove(): Promise<void>
}

interface Record extends LockOwner {
  token: string
}

const POLL_MS = 250
// No heartbeat: a lock from another host is trusted this long (a create can take hours on a
// slow link), while one from a dead process on this host is taken over at once.
const FOREIGN_TTL_MS = 24 * 3600 * 1000

function parse(text: string | undefined): Record | undefined | 'garbage' {
  if (text === undefined) return undefined
  try {
    const r = JSON.parse(text) as Record
    return typeof r.token === 'string' && typeof r.pid === 'number' ? r : 'garbage'
  } catch {
    return 'garbage'
  }
}

function stale(r: Record | 'garbage'): boolean {
  if (r === 'garbage') return true // PUTs are atomic: a half-written lock cannot exist
  const age = Date.now() - Date.parse(r.startedAt)
  return isStale(r) || !(age < FOREIGN_TTL_MS)
}

/**
 * A store lock as one object next to the backups. On real S3 creation is a conditional write
 * (If-None-Match: *), so two writers cannot both win. Emulators and some S3-compatible servers
 * ignore that header, so the lock is also read back: a writer that finds another token lost the
 * race. That narrows the window on such servers but cannot close it.
 */
export async function acquireObjectLock(
  lock: LockObject,
  location: string,
  command: string,
  waitSeconds?: number,
): Promise<StoreLock> {
  const me: Record = {
    pid: process.pid,
    host: os.hostname(),
    command,
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  }
  const body = `${JSON.stringify(me)}\n`
  const deadline = waitSeconds === undefined ? 0 : Date.now() + waitSeconds * 1000
  for (;;) {
    let current = parse(await lock.read())
    if (current !== undefined && stale(current)) {
      await lock.remove()
      current = undefined
    }
    if (current === undefined && (await lock.create(body))) {
      const check = parse(await lock.read())
      if (check !== 'garbage' && check?.token === me.token) return held(lock, me.token)
      current = check
    }
    if (Date.now() >= deadline) throw lockedError(location, current)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

function held(lock: LockObject, token: string): StoreLock {
  return {
    async release() {
      // Best effort: a lock left behind is taken over once this process is gone.
      try {
        const current = parse(await lock.read())
        if (current !== undefined && current !== 'garbage' && current.token === token) {
          await lock.remove()
        }
      } catch {
        // see above
      }
    },
  }
}

function lockedError(location: string, owner: Record | 'garbage' | undefined): CpoError {
  const who =
    owner && owner !== 'garbage'
      ? `locked by pid ${owner.pid} (cpo ${owner.command}) on ${owner.host} since ${owner.startedAt}`
      : 'locked by another cpo process'
  return new CpoError('STORE_LOCKED', 'conflict', `backup store ${location} is ${who}`, {
    hint: 'Another backup or prune is running; wait for it, or pass --wait[=seconds].',
    details: owner === 'garbage' ? undefined : owner,
  })
}
