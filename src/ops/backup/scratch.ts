import { createHash, randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isStale } from '../../adapters/lock.js'
import type { Repo } from '../../adapters/repo.js'
import type { BackupStore } from '../../adapters/storage/types.js'

export interface Scratch {
  path: string
  remove(): Promise<void>
}

/**
 * Backup scratch in the repository: `.git/cpo/backup-tmp/`, not `.git/cpo/tmp/`. Every command
 * that takes the repository lock empties `tmp/` (its scratch belongs to the lock holder), and
 * backups run without that lock (they only read the project): a checkpoint taken meanwhile would
 * delete a bundle being streamed.
 */
export const repoScratchBase = (repo: Repo): string => path.join(repo.cpoDir, 'backup-tmp')

/**
 * Where verify extracts an archive: beside the backups in a directory store (the same disk, not a
 * small /tmp), else in the project's `.git/cpo/backup-tmp/`; the system temp directory only when
 * neither can be written (a read-only mount). Leftovers are swept by the next run (makeScratch).
 */
export async function verifyScratchBases(
  store: BackupStore,
  repo?: () => Promise<Repo>,
): Promise<string[]> {
  const found = await repo?.().catch(() => undefined)
  return [
    ...(store.kind === 'dir' ? [path.join(store.location, '.cpo-tmp')] : []),
    ...(found ? [repoScratchBase(found)] : []),
    os.tmpdir(),
  ]
}

const HOST = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8)
const NAME = /^cpo-[a-z]+-([0-9a-f]{8})-(\d+)-[0-9a-f]+$/

/**
 * A fresh directory `<base>/cpo-<kind>-<host>-<pid>-<random>` in the first of `bases` that can be
 * written. A run killed outright (SIGKILL, power cut) cannot remove its own, so each run first
 * removes those of processes on this host that no longer exist; a live run's is never touched.
 */
export async function makeScratch(bases: string[], kind: string): Promise<Scratch> {
  let failure: unknown
  for (const base of bases) {
    const dir = path.join(
      base,
      `cpo-${kind}-${HOST}-${process.pid}-${randomBytes(4).toString('hex')}`,
    )
    try {
      await fsp.mkdir(base, { recursive: true })
      await sweepDead(base)
      await fsp.mkdir(dir)
    } catch (e) {
      failure ??= e
      continue
    }
    return { path: dir, remove: () => fsp.rm(dir, { recursive: true, force: true }) }
  }
  throw failure ?? new Error('no scratch directory given')
}

async function sweepDead(base: string): Promise<void> {
  const names = await fsp.readdir(base).catch(() => [] as string[])
  await Promise.all(
    names.map(async (name) => {
      const m = NAME.exec(name)
      if (!m || m[1] !== HOST) return
      const owner = { pid: Number(m[2]), host: os.hostname(), command: '', startedAt: '' }
      if (isStale(owner)) await fsp.rm(path.join(base, name), { recursive: true, force: true })
    }),
  )
}
