import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CpoError } from '../errors.js'
import { fsyncDir, linkIfAbsent } from './fs.js'

export interface LockOwner {
  pid: number
  host: string
  command: string
  startedAt: string
}

export interface HeldLock {
  owner: LockOwner
  /** Set when a dead owner's lock was taken over. */
  tookOverFrom?: LockOwner
  release(): Promise<void>
}

const POLL_MS = 100

export function lockPath(cpoDir: string): string {
  return path.join(cpoDir, 'lock')
}

export async function readLockOwner(cpoDir: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await fsp.readFile(lockPath(cpoDir), 'utf8')) as LockOwner
  } catch {
    return undefined
  }
}

/** True when the owner is a process on this host that no longer exists. */
export function isStale(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false
  try {
    process.kill(owner.pid, 0)
    return false
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/**
 * Takes the repository lock. The owner record is written to a temp file first and then
 * hard-linked into place, so the lock never exists half-written and creation is atomic.
 * `waitSeconds`: undefined fails at once, Infinity waits until free.
 */
export async function acquireLock(
  cpoDir: string,
  command: string,
  waitSeconds?: number,
): Promise<HeldLock> {
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    command,
    startedAt: new Date().toISOString(),
  }
  const deadline = waitSeconds === undefined ? 0 : Date.now() + waitSeconds * 1000
  const file = lockPath(cpoDir)
  // Loaded here: `status` reads the lock's owner through this module and takes no lock.
  const { randomBytes } = await import('node:crypto')
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  await fsp.writeFile(tmp, `${JSON.stringify(owner)}\n`, { flag: 'wx' })
  try {
    for (;;) {
      if (await linkIfAbsent(tmp, file)) {
        await fsyncDir(cpoDir)
        return held(file, owner)
      }
      const current = await readLockOwner(cpoDir)
      if (current && isStale(current) && (await takeOver(cpoDir, current, tmp))) {
        return { ...held(file, owner), tookOverFrom: current }
      }
      if (Date.now() >= deadline) throw lockedError(current)
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  } finally {
    await fsp.rm(tmp, { force: true })
  }
}

/**
 * Replaces a dead owner's lock. A second file serialises take-overs so two processes that both
 * saw the same stale lock cannot both win; the stale record is checked again under it.
 */
async function takeOver(cpoDir: string, stale: LockOwner, tmp: string): Promise<boolean> {
  const guard = `${lockPath(cpoDir)}.takeover`
  try {
    await fsp.writeFile(guard, String(process.pid), { flag: 'wx' })
  } catch {
    await removeAbandonedGuard(guard)
    return false
  }
  try {
    const again = await readLockOwner(cpoDir)
    if (!again || again.pid !== stale.pid || again.startedAt !== stale.startedAt) return false
    await fsp.rm(lockPath(cpoDir), { force: true })
    return await linkIfAbsent(tmp, lockPath(cpoDir))
  } finally {
    await fsp.rm(guard, { force: true })
  }
}

/** A take-over guard left by a process killed mid take-over would block everyone forever. */
async function removeAbandonedGuard(guard: string): Promise<void> {
  try {
    const pid = Number(await fsp.readFile(guard, 'utf8'))
    const st = await fsp.stat(guard)
    const dead =
      Number.isInteger(pid) && isStale({ pid, host: os.hostname(), command: '', startedAt: '' })
    if (dead || Date.now() - st.mtimeMs > 10_000) await fsp.rm(guard, { force: true })
  } catch {
    // gone already
  }
}

function held(file: string, owner: LockOwner): HeldLock {
  return {
    owner,
    async release() {
      const current = await fsp.readFile(file, 'utf8').catch(() => '')
      if (current.includes(`"pid":${owner.pid},`) && current.includes(owner.startedAt)) {
        await fsp.rm(file, { force: true })
      }
    },
  }
}

function lockedError(owner: LockOwner | undefined): CpoError {
  const who = owner
    ? `locked by pid ${owner.pid} (cpo ${owner.command}) on ${owner.host} since ${owner.startedAt}`
    : 'locked by another cpo process'
  return new CpoError('LOCKED', 'conflict', `repository is ${who}`, {
    hint: 'Wait for it to finish, or pass --wait[=seconds] to queue behind it.',
    details: owner,
  })
}
