import { readLogCommits } from '../../adapters/checkpoint-git.js'
import { readCheckpointTags } from '../../adapters/checkpoint-tags.js'
import { readTextIfExists } from '../../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../../adapters/repo.js'
import { inferredForPlan } from '../../core/checkpoint/bounded.js'
import {
  checkpointFromTag,
  findCheckpoint,
  mergeCheckpoints,
  withStageNames,
} from '../../core/checkpoint/collect.js'
import { inferCheckpoints } from '../../core/checkpoint/infer.js'
import { checkpointName } from '../../core/checkpoint/names.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import { stripBom } from '../../core/project/json-format.js'
import { passesProjectSchema } from '../../core/project/plain-check.js'
import { isStageDone, stageNumber, stagesOf } from '../../core/project/queries.js'
import type { ProjectFile } from '../../core/project/schema.js'
import { CpoError } from '../../errors.js'
import { type ProjectFileProblem, readProjectLeniently } from '../project-file.js'

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
  const done = doneStages(project)
  const merged = mergeCheckpoints(
    tags.map(checkpointFromTag),
    inferCheckpoints(commits, done),
    commits.map((c) => c.commit),
  )
  return withStageNames(merged, stagesOf(project ?? {}))
}

const doneStages = (project: ProjectFile | undefined): Set<string> =>
  new Set(
    stagesOf(project ?? {})
      .filter(isStageDone)
      .flatMap((s) => stageNumber(s.id) ?? []),
  )

/** The kinds of target that `resolve` finds by tag name whenever a tag of that name exists. */
const BY_TAG_NAME = new Set(['stage', 'phase', 'project'])

/**
 * A rollback's target and the checkpoints its plan needs, reading history only after the
 * target when that gives the same answer. `resolve` picks the target from a list; stage, phase
 * and project targets prefer a tag of the name they look for, so when the tags alone resolve to
 * a tag, the full list would resolve to that same tag. The plan then only asks which stages
 * have checkpoints on the commits it discards, all of them after the target: `inferredForPlan`
 * (src/core/checkpoint/bounded.ts) gives those from the commits after it, exactly as the whole
 * history would, or says it cannot; then, and whenever the tags do not resolve, the whole
 * history is read as before. The list returned then holds every tag and the inferred
 * checkpoints the plan counts (ARCHITECTURE.md §18).
 */
export async function checkpointsForTarget<
  T extends { kind: string; inferred: boolean; commit: string },
>(
  repo: Repo,
  options: { project?: Promise<ProjectFile | undefined> },
  resolve: (list: Checkpoint[]) => Promise<T> | T,
): Promise<{ target: T; checkpoints: Checkpoint[] }> {
  const projectRead = options.project ?? readProjectQuietly(repo)
  const [tagRecords, project] = await Promise.all([readCheckpointTags(repo), projectRead])
  const stages = stagesOf(project ?? {})
  const tags = tagRecords.map(checkpointFromTag)
  const whole = async () => {
    const list = await listCheckpoints(repo, { project: Promise.resolve(project) })
    return { target: await resolve(list), checkpoints: list }
  }
  // Internal, for tests that compare the two reads: always read the whole history.
  if (process.env.CPO_INTERNAL_WHOLE_HISTORY === '1') return whole()
  let target: T
  try {
    target = await resolve(withStageNames(mergeCheckpoints(tags, []), stages))
  } catch {
    return whole() // the full list resolves it, or says what exists
  }
  if (target.inferred || !BY_TAG_NAME.has(target.kind)) return whole()
  const commits = await readLogCommits(repo, target.commit)
  const inferred = inferredForPlan(commits, inferCheckpoints(commits, doneStages(project)), tags)
  if (inferred === undefined) return whole()
  const merged = mergeCheckpoints(
    tags,
    inferred,
    commits.map((c) => c.commit),
  )
  return { target, checkpoints: withStageNames(merged, stages) }
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

/**
 * The state file as far as a list needs it: stage ids, names and statuses, for labels and for
 * which stages are done. A list must still work when the state file is broken (stage names are
 * a nicety here), and it must not load the schema and its validator for that: the JSON is read
 * as it is and only well-formed stage entries are kept.
 */
async function readProjectQuietly(repo: Repo): Promise<ProjectFile | undefined> {
  const text = await readTextIfExists(inRepo(repo, statePaths(repo).project))
  if (text === undefined) return undefined
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return undefined
  }
  const stages = (data as { stages?: unknown } | null)?.stages
  if (!Array.isArray(stages)) return undefined
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const kept = stages.flatMap((s) => {
    const id = str((s as { id?: unknown } | null)?.id)
    if (id === undefined) return []
    const { name, status } = s as { name?: unknown; status?: unknown }
    return [
      {
        id,
        ...(str(name) === undefined ? {} : { name }),
        ...(str(status) === undefined ? {} : { status }),
      },
    ]
  })
  return { stages: kept } as unknown as ProjectFile
}

/** `cpo checkpoint list`: the checkpoints, and a warning when the state file is unreadable. */
export async function checkpointListing(
  repo: Repo,
  options: Omit<CheckpointListOptions, 'project'> = {},
): Promise<{ checkpoints: Checkpoint[]; warnings: ProjectFileProblem[] }> {
  const reading = readForListing(repo)
  const [checkpoints, { problem }] = await Promise.all([
    listCheckpoints(repo, { ...options, project: reading.then((r) => r.project) }),
    reading,
  ])
  return { checkpoints, warnings: problem === null ? [] : [problem] }
}

/**
 * The state file for a listing, and the problem to warn about. A file that passes the plain
 * checks (`passesProjectSchema`, ARCHITECTURE.md §20) is the schema's data as it is, with no
 * problem: the schema and its validator load only for a file that fails them, for its exact
 * message.
 */
async function readForListing(
  repo: Repo,
): Promise<{ project: ProjectFile | undefined; problem: ProjectFileProblem | null }> {
  const text = await readTextIfExists(inRepo(repo, statePaths(repo).project))
  if (text === undefined) return { project: undefined, problem: null }
  let value: unknown
  try {
    value = JSON.parse(stripBom(text))
  } catch {
    value = undefined // the parser's message, with line and column, comes from the document module
  }
  if (value !== undefined && passesProjectSchema(value)) return { project: value, problem: null }
  const { doc, problem } = await readProjectLeniently(repo)
  return { project: doc?.data ?? (await readProjectQuietly(repo)), problem }
}
