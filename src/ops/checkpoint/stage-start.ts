import { moveRefs, readRef } from '../../adapters/checkpoint-git.js'
import { treeWithWorkTreeFiles } from '../../adapters/direct-commit.js'
import { failpoint } from '../../adapters/failpoint.js'
import type { Repo } from '../../adapters/repo.js'
import { porcelainV1 } from '../../adapters/snapshot/status.js'
import { DELETED_TAG_PREFIX, stageStartName, tagRefOf } from '../../core/checkpoint/names.js'
import { sidecarNames } from '../../core/checkpoint/sidecars.js'
import { nextStartableStage } from '../../core/checkpoint/stage-rules.js'
import {
  findStage,
  isStageDone,
  setCurrentStage,
  stageNumber,
  unmetDependencies,
  updateStage,
} from '../../core/project/index.js'
import { cpoCommand } from '../../core/shell-quote.js'
import { CpoError } from '../../errors.js'
import { checkpointDatabaseIfConfigured, type DbHookReport } from '../db/hooks.js'
import { PROJECT_FILE } from '../project-file.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { commitPendingWork } from './commit-work.js'
import { envTemplate, prepareSidecars, writeSidecars } from './sidecars.js'
import { readStateFile, withEpicStatus, writeStateFile } from './state-file.js'
import { tagCheckpoint } from './tagging.js'

export interface StageStartOptions {
  /** Start although dependencies are not done, the stage is done, or its start tag exists. */
  force?: boolean
  wait?: number
  dryRun?: boolean
  /** False (`--no-db`): no database checkpoint. */
  db?: boolean
}

export interface StageStartPlan {
  stage: { id: string; name: string | null; number: string }
  tag: string
  commitMessage: string
  branch: string | null
  /** Dependencies not done, started anyway with --force. */
  unmetDependencies: string[]
  /** An existing start tag that --force replaces (its object is kept under refs/cpo/). */
  replacesTag: string | null
}

export interface StageStartReport extends OperationReport, StageStartPlan {
  commit: string
  sidecars: string[]
  startedAt: string
  /** The database checkpoint taken with it (or why not), when a database is configured. */
  db?: DbHookReport
}

/**
 * `cpo stage start [stage]`: commits pending work as `checkpoint: before Stage N - Name` (even
 * when there is none, so the boundary is visible in the history), tags it
 * `checkpoint/stage-N-start`, writes the sidecars, then marks the stage in progress in
 * `master-project.json` (left uncommitted: it is the first change of the stage).
 */
export async function startStage(
  repo: Repo,
  ref: string | undefined,
  options: StageStartOptions = {},
): Promise<
  | { dryRun: true; plan: StageStartPlan }
  | ({ dryRun: false; plan: StageStartPlan } & StageStartReport)
> {
  const outcome = await runOperation(repo, {
    command: 'stage start',
    args: [...(ref === undefined ? [] : [ref]), ...(options.force ? ['--force'] : [])],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r, _operations, scan): Promise<StageStartPlan> => {
      const { doc } = await readStateFile(r)
      const stage = ref === undefined ? nextStartableStage(doc.data) : findStage(doc.data, ref)
      const number = stageNumber(stage.id)
      if (number === undefined) throw noNumber(stage.id)
      if (isStageDone(stage) && !options.force) {
        throw new CpoError(
          'STAGE_ALREADY_DONE',
          'conflict',
          `stage ${stage.id} is already ${stage.status}`,
          {
            hint: `Start the next stage (\`cpo stage start\`), or start this one again: \`${cpoCommand('stage', 'start', stage.id, '--force')}\`.`,
          },
        )
      }
      const unmet = unmetDependencies(doc.data, stage.id)
      if (unmet.length > 0 && !options.force) {
        throw new CpoError(
          'DEPENDENCIES_NOT_DONE',
          'conflict',
          `stage ${stage.id} depends on ${unmet.join(', ')}, not done yet`,
          {
            hint: `Finish ${unmet.join(', ')} first (\`${cpoCommand('stage', 'complete', unmet[0] ?? '')}\`), or start it anyway: \`${cpoCommand('stage', 'start', stage.id, '--force')}\`.`,
            details: { stage: stage.id, unmet },
          },
        )
      }
      const { branch } = await scan()
      const name = stageStartName(number)
      const existing = await readRef(r, tagRefOf(name))
      if (existing !== undefined && !options.force) {
        throw new CpoError('CHECKPOINT_EXISTS', 'conflict', `checkpoint ${name} already exists`, {
          hint: `Stage ${stage.id} was started before; start it again with \`${cpoCommand('stage', 'start', stage.id, '--force')}\` (the old tag is kept under refs/cpo/deleted-tags/).`,
        })
      }
      return {
        stage: { id: stage.id, name: stage.name ?? null, number },
        tag: `checkpoint/${name}`,
        commitMessage: `checkpoint: before Stage ${number} - ${stage.name || stage.id}`,
        branch,
        unmetDependencies: unmet,
        replacesTag: existing ?? null,
      }
    },
    apply: async (ctx, plan) => {
      await prepareSidecars(ctx.repo)
      // Files are read while the commit is made (it changes no file).
      const [{ text, doc }, env, work] = await Promise.all([
        readStateFile(ctx.repo),
        envTemplate(ctx.repo),
        commitPendingWork(ctx, plan.commitMessage, { allowEmpty: true }),
      ])
      const commit = work.commit as string
      const name = stageStartName(plan.stage.number)
      if (plan.replacesTag !== null) {
        await moveRefs(ctx.repo, [
          { ref: `${DELETED_TAG_PREFIX}${ctx.opId}/${name}`, to: plan.replacesTag },
          { ref: tagRefOf(name), from: plan.replacesTag },
        ])
      }
      const tagged = await tagCheckpoint(ctx.repo, {
        name,
        kind: 'stage-start',
        stage: { id: plan.stage.id, name: plan.stage.name },
        phase: doc.data.currentPhase ?? null,
        commit,
        branch: plan.branch,
        snapshot: ctx.before.ref,
        message: null,
        subject: plan.commitMessage,
      })
      const n = plan.stage.number
      const sidecars = await writeSidecars(ctx.repo, {
        [sidecarNames.stateBefore(n)]: text,
        [sidecarNames.gitRef(n)]: `${commit}\n`,
        // The work tree as the checkpoint commit took it, as `git status --porcelain` shows it.
        [sidecarNames.gitStatus(n)]: porcelainV1(ctx.scan.status.records, ctx.settings.quotePath),
        ...(env === undefined ? {} : { [sidecarNames.env(n)]: env.text }),
      })
      const db = await checkpointDatabaseIfConfigured(ctx, name, options)
      failpoint('state-read')
      const startedAt = new Date().toISOString()
      const started = updateStage(doc, plan.stage.id, { status: 'in_progress', startedAt })
      const current = setCurrentStage(started, plan.stage.id)
      await writeStateFile(
        ctx.repo,
        withEpicStatus(current, findStage(current.data, plan.stage.id)),
        text,
      )
      // The stage's first change, the state file, is left uncommitted.
      const after = work.state && {
        ...work.state,
        worktreeTree: await treeWithWorkTreeFiles(ctx.repo, work.state.indexTree, [PROJECT_FILE]),
        dirty: [PROJECT_FILE],
        refs: { ...work.state.refs, ...tagged },
      }
      return {
        summary: `started stage ${plan.stage.id} at ${commit.slice(0, 10)}`,
        result: { commit, sidecars, startedAt, ...(db ? { db } : {}) },
        ...(after ? { after } : {}),
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan }
  return {
    dryRun: false,
    plan: outcome.plan,
    ...reportOf(outcome),
    ...outcome.plan,
    ...outcome.result,
  }
}

export function noNumber(id: string): CpoError {
  return new CpoError(
    'STAGE_ID_WITHOUT_NUMBER',
    'invalidInput',
    `stage id ${JSON.stringify(id)} has no number to name its checkpoints after`,
    { hint: 'Stage ids need a number (S3, S5.1, Stage 2.1) for checkpoint/stage-N-* tags.' },
  )
}
