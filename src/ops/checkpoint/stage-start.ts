import { moveRefs, readRef } from '../../adapters/checkpoint-git.js'
import {
  commitEntries,
  commitWorkTreeFiles,
  workTreeEntries,
} from '../../adapters/direct-commit.js'
import { failpoint } from '../../adapters/failpoint.js'
import { type Repo, statePaths } from '../../adapters/repo.js'
import { treeOf } from '../../adapters/rollback-git.js'
import { keepSidecars, keptSidecars } from '../../adapters/sidecar-store.js'
import { porcelainV1 } from '../../adapters/snapshot/status.js'
import { DELETED_TAG_PREFIX, stageStartName, tagRefOf } from '../../core/checkpoint/names.js'
import { sidecarNames } from '../../core/checkpoint/sidecars.js'
import { nextStartableStage } from '../../core/checkpoint/stage-rules.js'
import {
  findStage,
  isStageDone,
  isStagePending,
  type ProjectDocument,
  projectPhase,
  serializeProjectDocument,
  setCurrentStage,
  stageNumber,
  unmetDependencies,
  updateStage,
} from '../../core/project/index.js'
import { cpoCommand } from '../../core/shell-quote.js'
import { CpoError } from '../../errors.js'
import { checkpointDatabaseIfConfigured, type DbHookReport } from '../db/hooks.js'
import { type OperationReport, planReport, runOperation } from '../protocol.js'
import { commitPendingWork } from './commit-work.js'
import { envTemplate, prepareSidecars, readSidecars, writeSidecars } from './sidecars.js'
import { readStateFile, withEpicStatus, writeStateFile } from './state-file.js'
import { type NewCheckpoint, tagCheckpoint, tagWithHead } from './tagging.js'

export interface StageStartOptions {
  /** Start a stage that is done or in progress again (its start tag is moved). */
  force?: boolean
  /** Start although the stages it depends on are not done. */
  ignoreDeps?: boolean
  wait?: number
  dryRun?: boolean
  /** False (`--no-db`): no database checkpoint. */
  db?: boolean
}

export interface StageStartPlan {
  stage: { id: string; name: string | null; number: string }
  tag: string
  commitMessage: string
  /** The commit that records the state change on top of the checkpoint commit. */
  stateCommitMessage: string
  branch: string | null
  /** Dependencies not done, started anyway with --ignore-deps. */
  unmetDependencies: string[]
  /** An existing start tag that is moved (its object is kept under refs/cpo/deleted-tags/). */
  replacesTag: string | null
  /**
   * Why the tag is moved: `retry` for a stage rolled back (pending or failed again), `force`
   * for one that is done or in progress; null for a first start.
   */
  restart: 'retry' | 'force' | null
}

export interface StageStartReport extends OperationReport, StageStartPlan {
  /** The checkpoint commit the start tag points to: the state before the stage. */
  commit: string
  /** The `chore(stage-N): start …` commit with the stage marked in progress. */
  stateCommit: string
  sidecars: string[]
  startedAt: string
  /** The database checkpoint taken with it (or why not), when a database is configured. */
  db?: DbHookReport
}

/** The sidecars a stage start writes (the env template only when the project has one). */
const stageStartSidecars = (n: string): string[] => [
  sidecarNames.stateBefore(n),
  sidecarNames.gitRef(n),
  sidecarNames.gitStatus(n),
  sidecarNames.env(n),
]

/**
 * `cpo stage start [stage]`: commits pending work as `checkpoint: before Stage N - Name` (even
 * when there is none, so the boundary is visible in the history), tags it
 * `checkpoint/stage-N-start`, writes the sidecars, then marks the stage in progress in
 * `master-project.json` and commits that alone as `chore(stage-N): start Name`. So the tag is
 * the state before the stage (`git reset --hard checkpoint/stage-N-start` and `cpo rollback
 * stage` agree) and the agent's first `git add -A` story commit holds only its own work.
 */
export async function startStage(
  repo: Repo,
  ref: string | undefined,
  options: StageStartOptions = {},
): Promise<
  | { dryRun: true; plan: StageStartPlan }
  | ({ dryRun: false; plan: StageStartPlan } & StageStartReport)
> {
  let draft: StartedState | undefined
  const outcome = await runOperation(repo, {
    command: 'stage start',
    args: [
      ...(ref === undefined ? [] : [ref]),
      ...(options.force ? ['--force'] : []),
      ...(options.ignoreDeps ? ['--ignore-deps'] : []),
    ],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r, _operations, scan): Promise<StageStartPlan> => {
      const { doc, text } = await readStateFile(r)
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
      if (unmet.length > 0 && !options.ignoreDeps) {
        throw new CpoError(
          'DEPENDENCIES_NOT_DONE',
          'conflict',
          `stage ${stage.id} depends on ${unmet.join(', ')}, not done yet`,
          {
            hint: `Finish ${unmet.join(', ')} first (\`${cpoCommand('stage', 'complete', unmet[0] ?? '')}\`), or start it anyway: \`${cpoCommand('stage', 'start', stage.id, '--ignore-deps')}\`.`,
            details: { stage: stage.id, unmet },
          },
        )
      }
      // The state change, drafted while the scan's git status runs (the edit of a large state
      // file costs tens of milliseconds on its first run); apply takes it if the file is unchanged.
      try {
        if (!options.dryRun) draft = startedState(doc, text, stage.id, new Date().toISOString())
      } catch {
        // made again in apply, where a failure stops the operation
      }
      const { branch } = await scan()
      const name = stageStartName(number)
      const existing = await readRef(r, tagRefOf(name))
      // A stage rolled back is pending (or failed) again: starting it again is the normal retry.
      const retry = isStagePending(stage) || stage.status === 'failed'
      if (existing !== undefined && !retry && !options.force) {
        throw new CpoError(
          'CHECKPOINT_EXISTS',
          'conflict',
          `checkpoint ${name} already exists and stage ${stage.id} is ${stage.status}`,
          {
            hint: `Stage ${stage.id} is under way from that checkpoint; to start it over from here run \`${cpoCommand('stage', 'start', stage.id, '--force')}\` (the old tag is kept under refs/cpo/deleted-tags/).`,
            details: { stage: stage.id, status: stage.status ?? null, tag: `checkpoint/${name}` },
          },
        )
      }
      const label = stage.name || stage.id
      return {
        stage: { id: stage.id, name: stage.name ?? null, number },
        tag: `checkpoint/${name}`,
        commitMessage: `checkpoint: before Stage ${number} - ${label}`,
        stateCommitMessage: `chore(stage-${number}): start ${label}`,
        branch,
        unmetDependencies: unmet,
        replacesTag: existing ?? null,
        restart: existing === undefined ? null : retry ? 'retry' : 'force',
      }
    },
    apply: async (ctx, plan) => {
      await prepareSidecars(ctx.repo)
      // Files are read while the commit is made (it changes no file).
      const stateRead = readStateFile(ctx.repo)
      const name = stageStartName(plan.stage.number)
      const checkpointOn = async (commit: string): Promise<NewCheckpoint> => ({
        name,
        kind: 'stage-start',
        stage: { id: plan.stage.id, name: plan.stage.name },
        phase: projectPhase((await stateRead).doc.data)?.number ?? null,
        commit,
        branch: plan.branch,
        snapshot: ctx.before.ref,
        message: null,
        subject: plan.commitMessage,
      })
      // A first start's tag joins HEAD's move when git would write it as cpo does
      // (tagWithHead); a restart moves the old tag aside first, so it tags after.
      const plain = ctx.settings.plainTags && plan.replacesTag === null
      // The state change is made now, beside the checkpoint commit: its blob goes into the new
      // index with the checkpoint's work, so git rewrites the index once, not twice
      // (ARCHITECTURE.md §40); the file itself is written after the sidecars, as before.
      const file = statePaths(ctx.repo).project
      const started = stateRead.then(({ doc, text }) =>
        draft?.from === text
          ? draft
          : startedState(doc, text, plan.stage.id, new Date().toISOString()),
      )
      const stateEntries = started.then((d) =>
        workTreeEntries(ctx.repo, [file], ctx.scan, [Buffer.from(d.text)]),
      )
      // Awaited where they are needed, which a failing step before them skips.
      for (const p of [started, stateEntries]) p.catch(() => {})
      const [{ text }, env, work] = await Promise.all([
        stateRead,
        envTemplate(ctx.repo),
        commitPendingWork(ctx, plan.commitMessage, {
          allowEmpty: true,
          tag: tagWithHead(ctx.repo, plain, checkpointOn),
          alsoStaged: stateEntries,
        }),
      ])
      const commit = work.commit as string
      if (plan.replacesTag !== null) {
        // The sidecars about to be overwritten belong to the old tag: keep them beside it, so an
        // undo that puts the tag back puts them back too (sidecarsFollowTags).
        const old = await readSidecars(ctx.repo, stageStartSidecars(plan.stage.number))
        if ((await keptSidecars(ctx.repo, plan.replacesTag)) === undefined) {
          await keepSidecars(ctx.repo, plan.replacesTag, old)
        }
        await moveRefs(ctx.repo, [
          { ref: `${DELETED_TAG_PREFIX}${ctx.opId}/${name}`, to: plan.replacesTag },
          { ref: tagRefOf(name), from: plan.replacesTag },
        ])
      }
      const tagged =
        Object.keys(work.created).length > 0
          ? work.created
          : await tagCheckpoint(ctx.repo, await checkpointOn(commit))
      const n = plan.stage.number
      const files = {
        [sidecarNames.stateBefore(n)]: text,
        [sidecarNames.gitRef(n)]: `${commit}\n`,
        // The work tree as the checkpoint commit took it, as `git status --porcelain` shows it.
        [sidecarNames.gitStatus(n)]: porcelainV1(ctx.scan.status.records, ctx.settings.quotePath),
        ...(env === undefined ? {} : { [sidecarNames.env(n)]: env.text }),
      }
      const sidecars = await writeSidecars(ctx.repo, files)
      await keepSidecars(ctx.repo, tagged[tagRefOf(name)] as string, files)
      const db = await checkpointDatabaseIfConfigured(ctx, name, options)
      failpoint('state-read')
      const { doc: next, text: nextText, startedAt } = await started
      await writeStateFile(ctx.repo, next, text, nextText)
      // The state change is cpo's own: its own commit, so no story commit carries it.
      const stateCommit = {
        parent: commit,
        tree: work.state?.indexTree ?? (await treeOf(ctx.repo, commit)),
        message: plan.stateCommitMessage,
        sign: ctx.settings.signCommits,
      }
      const state = work.alsoStaged
        ? await commitEntries(ctx.repo, { ...stateCommit, entries: await stateEntries })
        : await commitWorkTreeFiles(ctx.repo, { ...stateCommit, files: [file] }, ctx.scan)
      const after = work.state && {
        ...work.state,
        head: state.commit,
        indexTree: state.tree,
        worktreeTree: state.tree,
        dirty: [],
        refs: {
          ...work.state.refs,
          ...(work.state.branch ? { [work.state.branch]: state.commit } : {}),
          ...tagged,
        },
      }
      return {
        summary: `started stage ${plan.stage.id} at ${commit.slice(0, 10)}`,
        result: {
          commit,
          stateCommit: state.commit,
          sidecars,
          startedAt,
          ...(db ? { db } : {}),
        },
        ...(after ? { after } : {}),
      }
    },
  })
  return planReport(outcome)
}

/** A state file's text with a stage started in it: the document, its text, and when. */
interface StartedState {
  /** The text the document was parsed from. */
  from: string
  doc: ProjectDocument
  text: string
  startedAt: string
}

function startedState(
  doc: ProjectDocument,
  from: string,
  id: string,
  startedAt: string,
): StartedState {
  const started = updateStage(doc, id, { status: 'in_progress', startedAt })
  const current = setCurrentStage(started, id)
  const next = withEpicStatus(current, findStage(current.data, id))
  return { from, doc: next, text: serializeProjectDocument(next), startedAt }
}

export function noNumber(id: string): CpoError {
  return new CpoError(
    'STAGE_ID_WITHOUT_NUMBER',
    'invalidInput',
    `stage id ${JSON.stringify(id)} has no number to name its checkpoints after`,
    { hint: 'Stage ids need a number (S3, S5.1, Stage 2.1) for checkpoint/stage-N-* tags.' },
  )
}
