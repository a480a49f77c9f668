import { appendDurable, readTextIfExists } from '../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../adapters/repo.js'
import { appendableEntry } from '../core/checkpoint/progress-log.js'
import { stageSkippedEntry } from '../core/checkpoint/workflow-entries.js'
import {
  currentStageId,
  dependentsOf,
  findStage,
  isStageDone,
  setCurrentStage,
  setProgress,
  updateStage,
} from '../core/project/index.js'
import { checkReason } from '../core/rollback/inputs.js'
import { CpoError } from '../errors.js'
import { readStateFile, withEpicStatus, writeStateFile } from './checkpoint/state-file.js'
import { type OperationReport, planReport, runOperation } from './protocol.js'

export interface StageSkipPlan {
  stage: { id: string; name: string | null; status: string }
  reason: string
  /** Stages that depend on it: a skipped stage counts as done for them. */
  dependents: string[]
  /** `currentStage` named it and is cleared. */
  clearsCurrentStage: boolean
}

export interface StageSkipReport extends OperationReport, StageSkipPlan {
  skippedAt: string
}

/**
 * `cpo stage skip <stage> --reason …`, the workflow's "skip stage": status `skipped`, with
 * `skippedAt` and `skipReason` beside the stage's other times, and a SKIPPED entry in the
 * progress log. Dependents may then start (a skipped stage counts as done, see queries.ts).
 * Like the workflow's own edit, the change stays in the work tree, uncommitted.
 */
export async function skipStage(
  repo: Repo,
  ref: string,
  options: { reason?: string; force?: boolean; dryRun?: boolean; wait?: number } = {},
): Promise<
  { dryRun: true; plan: StageSkipPlan } | ({ dryRun: false; plan: StageSkipPlan } & StageSkipReport)
> {
  const outcome = await runOperation(repo, {
    command: 'stage skip',
    args: [ref, ...(options.force ? ['--force'] : [])],
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r): Promise<StageSkipPlan> => {
      // A dry run shows the plan without one (nothing is recorded).
      const reason =
        options.dryRun && options.reason === undefined
          ? '(no reason given: dry run)'
          : checkReason(options.reason, {
              what: 'skipping a stage',
              command: `cpo stage skip ${ref}`,
            })
      const { doc } = await readStateFile(r)
      const stage = findStage(doc.data, ref)
      const status = stage.status || 'pending'
      if (isStageDone(stage)) {
        throw new CpoError(
          'STAGE_ALREADY_DONE',
          'conflict',
          `stage ${stage.id} is already ${status}`,
          {
            hint: `Nothing to skip; \`cpo status\` shows the stages still open.`,
          },
        )
      }
      if (status === 'in_progress' && !options.force) {
        throw new CpoError(
          'STAGE_IN_PROGRESS',
          'conflict',
          `stage ${stage.id} is in progress: skipping it keeps its work but marks it skipped`,
          {
            hint: `Roll its work back first (\`cpo rollback stage ${stage.id} --reason "…"\`), or pass --force: \`cpo stage skip ${stage.id} --reason "${reason}" --force\`.`,
          },
        )
      }
      return {
        stage: { id: stage.id, name: stage.name ?? null, status },
        reason,
        dependents: dependentsOf(doc.data, stage.id).map((s) => s.id),
        clearsCurrentStage: currentStageId(doc.data) === stage.id,
      }
    },
    apply: async (ctx, plan) => {
      const { text, doc } = await readStateFile(ctx.repo)
      const skippedAt = new Date().toISOString()
      let next = updateStage(doc, plan.stage.id, {
        status: 'skipped',
        skippedAt,
        skipReason: plan.reason,
      })
      if (plan.clearsCurrentStage) next = setCurrentStage(next, null)
      next = withEpicStatus(next, findStage(next.data, plan.stage.id))
      if (next.data.progress !== undefined) next = setProgress(next)
      await writeStateFile(ctx.repo, next, text)
      const log = inRepo(ctx.repo, statePaths(ctx.repo).progress)
      const entry = stageSkippedEntry({
        time: skippedAt,
        stageId: plan.stage.id,
        stageName: plan.stage.name,
        reason: plan.reason,
        opId: ctx.opId,
      })
      await appendDurable(log, appendableEntry(await readTextIfExists(log), entry))
      return { summary: `skipped stage ${plan.stage.id}`, result: { skippedAt } }
    },
  })
  return planReport(outcome)
}
