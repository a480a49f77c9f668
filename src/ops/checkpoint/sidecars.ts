import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { ensureExcluded } from '../../adapters/exclude.js'
import { readRegularFileText, writeFileAtomic } from '../../adapters/fs.js'
import type { Repo } from '../../adapters/repo.js'
import { keptSidecars } from '../../adapters/sidecar-store.js'
import { CHECKPOINT_TAG_PREFIX } from '../../core/checkpoint/names.js'
import { CHECKPOINTS_DIR } from '../../core/checkpoint/sidecars.js'
import { type EnvTemplate, envTemplateFrom } from '../../core/redact/index.js'
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

/** The sidecar files among `names` that exist, with their text. */
export async function readSidecars(repo: Repo, names: string[]): Promise<Record<string, string>> {
  const dir = path.join(repo.root, CHECKPOINTS_DIR)
  const texts = await Promise.all(names.map((n) => readRegularFileText(path.join(dir, n))))
  return Object.fromEntries(
    names.flatMap((n, i) => (texts[i] === undefined ? [] : [[n, texts[i] as string]])),
  )
}

/**
 * The env template for a sidecar, from the work tree: `.env.example` when the project has one,
 * else `.env`, redacted either way (see envTemplateFrom).
 */
export const envTemplate = (repo: Repo): Promise<EnvTemplate | undefined> =>
  envTemplateFrom((file) => readRegularFileText(path.join(repo.root, file)))

/**
 * After a restore moved refs (undo, recover): the sidecars of every checkpoint tag now pointing
 * to another object are written back from what was kept for that object (see sidecar-store.ts).
 * Returns the sidecar paths written.
 */
export async function sidecarsFollowTags(
  repo: Repo,
  before: Record<string, string>,
  after: Record<string, string>,
): Promise<string[]> {
  const moved = Object.entries(after).filter(
    ([ref, oid]) => ref.startsWith(CHECKPOINT_TAG_PREFIX) && before[ref] !== oid,
  )
  const written: string[] = []
  for (const [, oid] of moved) {
    const files = await keptSidecars(repo, oid)
    if (files !== undefined) written.push(...(await writeSidecars(repo, files)))
  }
  return written
}
