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
 * Backup scratch in the repository: `.git/cpo/backup-tmp/`, not `.git/cpo/tmp/`, because every
 * locked operation empties `tmp/` as its own (ops/protocol.ts) and backups run without the
 * repository lock (they only read the project), so a checkpoint taken meanwhile would delete a
 * bundle being streamed.
 */
export const repoScratchBase = (repo: Repo): string => path.join(repo.cpoDir, 'backup-tmp')

/**
 * Where verify extracts an archive: beside the backups in a directory store (the same disk, not a
 * small /tmp), else in the project's `.git/cpo/backup-tmp/`, else the system temp directory.
 * Leftovers in any of them are swept by the next run (see makeScratch).
 */
export async function verifyScratchBase(store: BackupStore, repo?: () => Promise<Repo>) {
  if (store.kind === 'dir') return path.join(store.location, '.cpo-tmp')
  const found = await repo?.().catch(() => undefined)
  return found ? repoScratchBase(found) : os.tmpdir()
}

const HOST = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8)
const NAME = /^cpo-[a-z]+-([0-9a-f]{8})-(\d+)-[0-9a-f]+$/

/**
 * A fresh directory `<base>/cpo-<kind>-<host>-<pid>-<random>`. A run killed outright (SIGKILL,
 * power cut) cannot remove its own, so each run first removes those of processes on this host
 * that no longer exist; a live run's directory is never touched.
 */
export async function makeScratch(base: string, kind: string): Promise<Scratch> {
  await fsp.mkdir(base, { recursive: true })
  await sweepDead(base)
  const dir = path.join(
    base,
    `cpo-${kind}-${HOST}-${process.pid}-${randomBytes(4).toString('hex')}`,
  )
  await fsp.mkdir(dir)
  return { path: dir, remove: () => fsp.rm(dir, { recursive: true, force: true }) }
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
