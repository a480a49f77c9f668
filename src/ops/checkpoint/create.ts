import type { Repo } from '../../adapters/repo.js'
import { checkpointName, factsFromName } from '../../core/checkpoint/names.js'
import { CpoError } from '../../errors.js'
import { readProjectDocument } from '../project-file.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { commitPendingWork } from './commit-work.js'
import { projectContext } from './context.js'
import { prepareSidecars } from './sidecars.js'
import { type NewCheckpoint, requireFreeName, tagCheckpoint, tagWithHead } from './tagging.js'

export interface CreateCheckpointOptions {
  message?: string
  wait?: number
  dryRun?: boolean
}

export interface CreateCheckpointPlan {
  name: string
  tag: string
  branch: string | null
  head: string
}

export interface CreateCheckpointReport extends OperationReport {
  name: string
  tag: string
  commit: string
  branch: string | null
  /** The commit made for pending work, or null when the tree was clean. */
  committed: string | null
}

export type CreateCheckpointOutcome =
  | { dryRun: true; plan: CreateCheckpointPlan }
  | ({ dryRun: false; plan: CreateCheckpointPlan } & CreateCheckpointReport)

/**
 * `cpo checkpoint create <name>`: commits pending work (only when there is some) as
 * `checkpoint: <name>` and tags it `checkpoint/<name>`. Undone by `cpo undo` like any operation.
 */
export async function createCheckpoint(
  repo: Repo,
  input: string,
  options: CreateCheckpointOptions = {},
): Promise<CreateCheckpointOutcome> {
  const outcome = await runOperation(repo, {
    command: 'checkpoint create',
    args: [input, ...(options.message === undefined ? [] : ['-m', options.message])],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r, _operations, scan): Promise<CreateCheckpointPlan> => {
      const name = checkpointName(input)
      await requireFreeName(
        r,
        name,
        'Pick another name, or delete it with `cpo checkpoint delete`.',
      )
      const { head, branch } = await scan()
      return { name, tag: `checkpoint/${name}`, branch, head }
    },
    apply: async (ctx, plan) => {
      await prepareSidecars(ctx.repo)
      const subject = `checkpoint: ${plan.name}${options.message ? ` - ${options.message}` : ''}`
      // The state file (for the tag's stage and phase) and the committer identity are read
      // while the commit is made; the tag joins HEAD's move when git would write it as cpo does.
      const docRead = readProjectDocument(ctx.repo).catch(() => undefined)
      const checkpointOn = async (commit: string): Promise<NewCheckpoint> => ({
        name: plan.name,
        kind: factsFromName(plan.name).kind,
        ...projectContext(await docRead),
        commit,
        branch: plan.branch,
        snapshot: ctx.before.ref,
        message: options.message ?? null,
        subject,
      })
      const work = await commitPendingWork(ctx, subject, {
        allowEmpty: false,
        tag: tagWithHead(ctx.repo, ctx.settings.plainTags, checkpointOn),
      })
      const committed = work.commit
      const commit = committed ?? plan.head
      const tagged =
        Object.keys(work.created).length > 0
          ? work.created
          : await tagCheckpoint(ctx.repo, await checkpointOn(commit))
      return {
        summary: `checkpoint ${plan.name} at ${commit.slice(0, 10)}`,
        result: { commit, committed },
        ...(work.state
          ? { after: { ...work.state, refs: { ...work.state.refs, ...tagged } } }
          : {}),
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan }
  return {
    dryRun: false,
    plan: outcome.plan,
    ...reportOf(outcome),
    name: outcome.plan.name,
    tag: outcome.plan.tag,
    branch: outcome.plan.branch,
    ...outcome.result,
  }
}

export function noCommits(): CpoError {
  return new CpoError('NO_COMMITS', 'conflict', 'the repository has no commits yet', {
    hint: 'Make a first commit, then create checkpoints.',
  })
}
