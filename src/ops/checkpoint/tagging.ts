import { createTag, readRef } from '../../adapters/checkpoint-git.js'
import type { Repo } from '../../adapters/repo.js'
import { type CheckpointMeta, tagMessage } from '../../core/checkpoint/metadata.js'
import { type CheckpointKind, tagRefOf } from '../../core/checkpoint/names.js'
import { CpoError } from '../../errors.js'
import { VERSION } from '../../version.js'

export interface NewCheckpoint {
  name: string
  kind: CheckpointKind
  stage: { id: string; name: string | null } | null
  phase: number | null
  commit: string
  branch: string | null
  snapshot: string | null
  message: string | null
  subject: string
  deployment?: CheckpointMeta['deployment']
}

/**
 * Tags `commit` as `checkpoint/<name>` with the metadata in the message; returns the ref change
 * (`{ refs/tags/checkpoint/<name>: <tag object> }`).
 */
export async function tagCheckpoint(repo: Repo, c: NewCheckpoint): Promise<Record<string, string>> {
  const meta: CheckpointMeta = {
    v: 1,
    tool: 'cpo',
    kind: c.kind,
    name: c.name,
    stage: c.stage,
    phase: c.phase,
    time: new Date().toISOString(),
    branch: c.branch,
    head: c.commit,
    snapshot: c.snapshot,
    version: VERSION,
    message: c.message,
    ...(c.deployment ? { deployment: c.deployment } : {}),
  }
  const ref = tagRefOf(c.name)
  return { [ref]: await createTag(repo, ref, c.commit, tagMessage(meta, c.subject)) }
}

/** Refuses a checkpoint name that is taken (planned before anything changes). */
export async function requireFreeName(repo: Repo, name: string, hint: string): Promise<void> {
  if ((await readRef(repo, tagRefOf(name))) !== undefined) {
    throw new CpoError('CHECKPOINT_EXISTS', 'conflict', `checkpoint ${name} already exists`, {
      hint,
    })
  }
}
