import path from 'node:path'
import { type DiffEntry, diffFiles } from '../../adapters/checkpoint-git.js'
import { exists } from '../../adapters/fs.js'
import type { Repo } from '../../adapters/repo.js'
import { CHECKPOINTS_DIR, stageSidecars } from '../../core/checkpoint/sidecars.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import { resolveCheckpoint } from './list.js'

export interface CheckpointDetails {
  checkpoint: Checkpoint
  /** Sidecars of its stage that exist now (a checkpoint stays usable without them). */
  sidecars: string[]
  /** Tracked files that differ between the checkpoint and the work tree now. */
  changedSince: DiffEntry[]
}

export async function showCheckpoint(repo: Repo, name: string): Promise<CheckpointDetails> {
  const checkpoint = await resolveCheckpoint(repo, name)
  const candidates = checkpoint.stage === null ? [] : stageSidecars(checkpoint.stage.number)
  const present = await Promise.all(
    candidates.map(async (f) =>
      (await exists(path.join(repo.root, CHECKPOINTS_DIR, f))) ? f : [],
    ),
  )
  return {
    checkpoint,
    sidecars: present.flat().map((f) => `${CHECKPOINTS_DIR}/${f}`),
    changedSince: await diffFiles(repo, checkpoint.commit, undefined),
  }
}

export interface CheckpointDiff {
  from: Checkpoint
  /** The second checkpoint, or null for the work tree. */
  to: Checkpoint | null
  files: DiffEntry[]
  stat: { files: number; added: number; deleted: number }
}

/** Files and line counts between two checkpoints, or from one to the work tree. */
export async function diffCheckpoints(repo: Repo, a: string, b?: string): Promise<CheckpointDiff> {
  const from = await resolveCheckpoint(repo, a)
  const to = b === undefined ? null : await resolveCheckpoint(repo, b)
  const files = await diffFiles(repo, from.commit, to?.commit)
  return {
    from,
    to,
    files,
    stat: {
      files: files.length,
      added: files.reduce((n, f) => n + (f.added ?? 0), 0),
      deleted: files.reduce((n, f) => n + (f.deleted ?? 0), 0),
    },
  }
}
