import { readCheckpointTags, readLogCommits } from '../../adapters/checkpoint-git.js'
import type { Repo } from '../../adapters/repo.js'
import {
  checkpointFromTag,
  findCheckpoint,
  mergeCheckpoints,
  withStageNames,
} from '../../core/checkpoint/collect.js'
import { inferCheckpoints } from '../../core/checkpoint/infer.js'
import { checkpointName } from '../../core/checkpoint/names.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import { isStageDone, type ProjectFile, stageNumber, stagesOf } from '../../core/project/index.js'
import { CpoError, isCpoError } from '../../errors.js'
import {
  type ProjectFileProblem,
  readProjectDocument,
  readProjectLeniently,
} from '../project-file.js'

export interface CheckpointListOptions {
  /** Leave out checkpoints inferred from commit messages. */
  tagsOnly?: boolean
  /** The state file's content, when the caller reads it anyway (read once, beside git). */
  project?: Promise<ProjectFile | undefined>
}

/**
 * Checkpoint tags plus those inferred from commit messages, oldest first. Two git processes
 * whatever the number of checkpoints: one `for-each-ref`, one `log`.
 */
export async function listCheckpoints(
  repo: Repo,
  options: CheckpointListOptions = {},
): Promise<Checkpoint[]> {
  const [tags, commits, project] = await Promise.all([
    readCheckpointTags(repo),
    options.tagsOnly ? Promise.resolve([]) : readLogCommits(repo),
    options.project ?? readProjectQuietly(repo),
  ])
  const done = new Set(
    stagesOf(project ?? {})
      .filter(isStageDone)
      .flatMap((s) => stageNumber(s.id) ?? []),
  )
  const merged = mergeCheckpoints(
    tags.map(checkpointFromTag),
    inferCheckpoints(commits, done),
    commits.map((c) => c.commit),
  )
  return withStageNames(merged, stagesOf(project ?? {}))
}

/** A checkpoint by name (tag or inferred), or a clear error listing what exists. */
export async function resolveCheckpoint(repo: Repo, input: string): Promise<Checkpoint> {
  const name = checkpointName(input)
  const list = await listCheckpoints(repo)
  const found = findCheckpoint(list, name)
  if (found) return found
  throw new CpoError('CHECKPOINT_NOT_FOUND', 'notFound', `no checkpoint ${JSON.stringify(name)}`, {
    hint:
      list.length === 0
        ? 'This repository has no checkpoints yet; create one with `cpo init` or `cpo checkpoint create start`.'
        : 'See the checkpoints with `cpo checkpoint list`.',
  })
}

// A list must still work when the state file is broken: stage names are a nicety here.
async function readProjectQuietly(repo: Repo): Promise<ProjectFile | undefined> {
  try {
    return (await readProjectDocument(repo))?.data
  } catch (e) {
    if (isCpoError(e) && e.exitClass === 'invalidInput') return undefined
    throw e
  }
}

/** `cpo checkpoint list`: the checkpoints, and a warning when the state file is unreadable. */
export async function checkpointListing(
  repo: Repo,
  options: Omit<CheckpointListOptions, 'project'> = {},
): Promise<{ checkpoints: Checkpoint[]; warnings: ProjectFileProblem[] }> {
  const reading = readProjectLeniently(repo)
  const [checkpoints, { problem }] = await Promise.all([
    listCheckpoints(repo, { ...options, project: reading.then((r) => r.doc?.data) }),
    reading,
  ])
  return { checkpoints, warnings: problem === null ? [] : [problem] }
}
