import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { CpoError } from '../errors.js'
import type { Repo } from './repo.js'

/**
 * How long cpo waits for another git process to release `.git/index.lock`: editors run `git
 * status` all the time and hold the lock for a moment, which must not fail an operation. A lock
 * that outlives this was most likely left by a killed process.
 */
const WAIT_MS = 2000
const POLL_MS = 25

export const indexLockPath = (repo: Repo): string => path.join(repo.gitDir, 'index.lock')

/** Resolves once no git process holds the index (nothing is created), or refuses. */
export async function awaitIndexUnlocked(repo: Repo): Promise<void> {
  const lock = indexLockPath(repo)
  await retryWhileLocked(lock, async () => {
    await fsp.access(lock).then(
      () => {
        throw eexist()
      },
      () => undefined,
    )
  })
}

/** Takes `.git/index.lock` for cpo (created exclusively, as git does); returns its path. */
export async function takeIndexLock(repo: Repo): Promise<string> {
  const lock = indexLockPath(repo)
  await retryWhileLocked(lock, async () => (await fsp.open(lock, 'wx')).close())
  return lock
}

async function retryWhileLocked(lock: string, attempt: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    try {
      await attempt()
      return
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      if (Date.now() >= deadline) throw indexLocked(lock)
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }
}

const eexist = (): NodeJS.ErrnoException => Object.assign(new Error('EEXIST'), { code: 'EEXIST' })

function indexLocked(lock: string): CpoError {
  return new CpoError(
    'INDEX_LOCKED',
    'conflict',
    `${lock} exists: another git process holds the index`,
    {
      hint: `Wait for it to finish. If no git process is running, one was killed while holding the lock: delete ${lock} and run the command again (\`cpo recover\` then finishes an interrupted cpo operation).`,
    },
  )
}
