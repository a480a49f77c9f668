import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { ensureExcluded } from '../../adapters/exclude.js'
import { readTextIfExists, writeFileAtomic } from '../../adapters/fs.js'
import type { Repo } from '../../adapters/repo.js'
import { CHECKPOINTS_DIR } from '../../core/checkpoint/sidecars.js'
import { redactEnv } from '../../core/redact/index.js'
import { CpoError } from '../../errors.js'

/** Sidecars must never end up in a commit: ignore the directory before anything is staged. */
export async function prepareSidecars(repo: Repo): Promise<void> {
  await ensureExcluded(repo)
}

/** The sidecar directory, made if missing; a file in its place is a clear error. */
export async function sidecarDir(repo: Repo): Promise<string> {
  const dir = path.join(repo.root, CHECKPOINTS_DIR)
  try {
    await fsp.mkdir(dir, { recursive: true })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw e
    throw new CpoError(
      'SIDECAR_DIR_BLOCKED',
      'conflict',
      `${CHECKPOINTS_DIR} in ${repo.root} is not a directory`,
      {
        hint: `cpo keeps checkpoint sidecars in ${CHECKPOINTS_DIR}/: move that file away and run the command again.`,
      },
    )
  }
  return dir
}

/** Writes sidecar files atomically; returns their paths relative to the repository. */
export async function writeSidecars(repo: Repo, files: Record<string, string>): Promise<string[]> {
  const dir = await sidecarDir(repo)
  const names = Object.keys(files).sort()
  await Promise.all(names.map((n) => writeFileAtomic(path.join(dir, n), files[n] as string)))
  return names.map((n) => `${CHECKPOINTS_DIR}/${n}`)
}

/** Where an env template comes from: the example file first, `.env` only when it is the only one. */
export const ENV_SOURCES = ['.env.example', '.env']

/**
 * The env template for a sidecar: `.env.example` when the project has one, else `.env`; values
 * that look secret are redacted either way, so no raw secret is ever copied. Undefined when
 * the project has neither file.
 */
export async function envTemplate(
  repo: Repo,
): Promise<{ source: string; text: string } | undefined> {
  for (const source of ENV_SOURCES) {
    const text = await readTextIfExists(path.join(repo.root, source))
    if (text !== undefined) return { source, text: redactEnv(text).text }
  }
  return undefined
}
