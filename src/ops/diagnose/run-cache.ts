import { createHash } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { CapturedRun } from '../../adapters/command-capture.js'
import { writeFileAtomic } from '../../adapters/fs.js'
import type { Repo } from '../../adapters/repo.js'

/** A command's result at a commit: the same commit and command give the same answer. */
export interface CachedRun extends CapturedRun {
  commit: string
  time: string
}

const dir = (repo: Repo): string => path.join(repo.cpoDir, 'cache', 'runs')
const key = (commit: string, command: string): string =>
  createHash('sha256').update(`${commit}\0${command}`).digest('hex').slice(0, 32)

export async function readCachedRun(
  repo: Repo,
  commit: string,
  command: string,
): Promise<CachedRun | undefined> {
  try {
    const run = JSON.parse(
      await fsp.readFile(path.join(dir(repo), `${key(commit, command)}.json`), 'utf8'),
    ) as CachedRun
    return run.commit === commit && run.command === command ? run : undefined
  } catch {
    return undefined
  }
}

/** A run that timed out or was killed says nothing about the commit: it is not kept. */
export async function writeCachedRun(repo: Repo, run: CachedRun): Promise<void> {
  if (run.timedOut || run.signal !== null) return
  await fsp.mkdir(dir(repo), { recursive: true })
  await writeFileAtomic(
    path.join(dir(repo), `${key(run.commit, run.command)}.json`),
    `${JSON.stringify(run)}\n`,
  )
}

const LAST_FAILURE = 'last-failure.json'

/** The last verification command that failed, in `diagnose` or `stage complete`. */
export interface LastFailure {
  name: string
  command: string
  commit: string
  from: 'diagnose' | 'stage complete'
  exitCode?: number | null
  outputTail?: string
}

/** Bisect's default command: the verification that failed last (diagnose or stage complete). */
export async function writeLastFailure(repo: Repo, failure: LastFailure): Promise<void> {
  await fsp.mkdir(path.join(repo.cpoDir, 'cache'), { recursive: true })
  await writeFileAtomic(
    path.join(repo.cpoDir, 'cache', LAST_FAILURE),
    `${JSON.stringify({ ...failure, time: new Date().toISOString() })}\n`,
  )
}

export async function readLastFailure(repo: Repo): Promise<LastFailure | undefined> {
  try {
    const f = JSON.parse(await fsp.readFile(path.join(repo.cpoDir, 'cache', LAST_FAILURE), 'utf8'))
    return typeof f?.command === 'string' ? { from: 'diagnose', ...f } : undefined
  } catch {
    return undefined
  }
}
