import { readHead } from '../../adapters/checkpoint-git.js'
import { failpoint } from '../../adapters/failpoint.js'
import { appendDurable, readTextIfExists } from '../../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../../adapters/repo.js'
import { runShellCommand, type ShellRun } from '../../adapters/shell-command.js'
import type { WorkTreeScan } from '../../adapters/snapshot/capture.js'
import { stageCompleteName } from '../../core/checkpoint/names.js'
import { appendableEntry, stageCompleteEntry } from '../../core/checkpoint/progress-log.js'
import { CHECKPOINTS_DIR, sidecarNames } from '../../core/checkpoint/sidecars.js'
import { verificationCommands } from '../../core/checkpoint/stage-rules.js'
import {
  findStage,
  isStageDone,
  isStagePending,
  projectPhase,
  setProgress,
  stageNumber,
  updateStage,
} from '../../core/project/index.js'
import { cpoCommand } from '../../core/shell-quote.js'
import { CpoError } from '../../errors.js'
import { writeLastFailure } from '../diagnose/run-cache.js'
import { type OperationReport, planReport, runOperation } from '../protocol.js'
import { commitPendingWork } from './commit-work.js'
import { noCommits } from './create.js'
import { prepareSidecars, writeSidecars } from './sidecars.js'
import { noNumber } from './stage-start.js'
import { readStateFile, withEpicStatus, writeStateFile } from './state-file.js'
import { type NewCheckpoint, requireFreeName, tagCheckpoint, tagWithHead } from './tagging.js'

export interface StageCompleteOptions {
  skipVerify?: boolean
  /** Complete a stage that is not in progress (pending, or done already). */
  force?: boolean
  wait?: number
  dryRun?: boolean
}

/** A passing run; a failing one keeps its output tail too (`VERIFICATION_FAILED` details). */
export interface VerificationRun extends Omit<ShellRun, 'outputTail'> {
  name: string
}

export interface StageCompletePlan {
  stage: { id: string; name: string | null; number: string }
  tag: string
  commitMessage: string
  branch: string | null
  /** Commands run and passed (empty with --skip-verify or none configured). */
  verification: VerificationRun[]
  verificationSkipped: boolean
  /** Stories of the stage not passing: the stage is marked tested anyway, with a warning each. */
  storiesNotPassing: string[]
  warnings: string[]
  /** Untracked files the commit adds (in a dry run: the ones it would add now). */
  untrackedAdded: string[]
}

export interface StageCompleteReport extends OperationReport, StageCompletePlan {
  commit: string
  completedAt: string
  sidecars: string[]
}

/**
 * `cpo stage complete <stage>`: runs the project's verification commands first (under the lock,
 * before anything changes, so a failure leaves no tag, no commit and no state change), then
 * marks the stage tested, appends to the progress log, commits as
 * `checkpoint: after Stage N - Name` and tags `checkpoint/stage-N-complete`.
 */
export async function completeStage(
  repo: Repo,
  ref: string,
  options: StageCompleteOptions = {},
): Promise<
  | { dryRun: true; plan: StageCompletePlan }
  | ({ dryRun: false; plan: StageCompletePlan } & StageCompleteReport)
> {
  const outcome = await runOperation(repo, {
    command: 'stage complete',
    args: [
      ref,
      ...(options.skipVerify ? ['--skip-verify'] : []),
      ...(options.force ? ['--force'] : []),
    ],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    scanAfterPlan: true,
    plan: async (r, _operations, scan): Promise<StageCompletePlan> => {
      const { doc } = await readStateFile(r)
      const stage = findStage(doc.data, ref)
      const number = stageNumber(stage.id)
      if (number === undefined) throw noNumber(stage.id)
      if (!options.force && (isStageDone(stage) || isStagePending(stage))) {
        throw new CpoError(
          isStageDone(stage) ? 'STAGE_ALREADY_DONE' : 'STAGE_NOT_STARTED',
          'conflict',
          `stage ${stage.id} is ${stage.status || 'pending'}, not in progress`,
          {
            hint: isStageDone(stage)
              ? `Nothing to complete; complete it again with \`${cpoCommand('stage', 'complete', stage.id, '--force')}\`.`
              : `Start it first with \`${cpoCommand('stage', 'start', stage.id)}\`, or complete it anyway: \`${cpoCommand('stage', 'complete', stage.id, '--force')}\`.`,
          },
        )
      }
      const name = stageCompleteName(number)
      await requireFreeName(
        r,
        name,
        `Delete it first (\`cpo checkpoint delete ${name}\`) to complete the stage again.`,
      )
      const head = await readHead(r)
      if (head.commit === undefined) throw noCommits()
      const commands = options.skipVerify ? [] : verificationCommands(doc.data)
      // Dry runs only report what would run: the commands may be slow or have side effects.
      const verification = options.dryRun ? [] : await verify(r, commands, stage.id, head.commit)
      const notPassing = (stage.stories ?? []).filter((s) => s.passes !== true).map((s) => s.id)
      return {
        stage: { id: stage.id, name: stage.name ?? null, number },
        tag: `checkpoint/${name}`,
        commitMessage: `checkpoint: after Stage ${number} - ${stage.name || stage.id}`,
        branch: head.branch,
        verification,
        verificationSkipped: options.skipVerify === true,
        storiesNotPassing: notPassing,
        warnings: notPassing.map(
          (id) => `story ${id} is not passing; stage ${stage.id} is marked tested anyway`,
        ),
        // The real run scans after verification (which may write files): apply fills this in.
        untrackedAdded: options.dryRun ? untrackedOf(await scan()) : [],
      }
    },
    apply: async (ctx, plan) => {
      await prepareSidecars(ctx.repo)
      const { text, doc } = await readStateFile(ctx.repo)
      const stage = findStage(doc.data, plan.stage.id)
      const now = new Date().toISOString()
      const completedAt = stage.completedAt ?? now
      let next = updateStage(doc, stage.id, { status: 'tested', completedAt, testedAt: now })
      next = setProgress(withEpicStatus(next, findStage(next.data, stage.id)))
      failpoint('state-read')
      const after = await writeStateFile(ctx.repo, next, text)
      const stories = stage.stories ?? []
      const logFile = inRepo(ctx.repo, statePaths(ctx.repo).progress)
      const entry = stageCompleteEntry({
        time: now,
        stageId: stage.id,
        stageName: stage.name ?? null,
        tag: plan.tag,
        verification: plan.verification.map((v) => ({ name: v.name, command: v.command })),
        verificationSkipped: plan.verificationSkipped,
        stories: {
          passing: stories.filter((s) => s.passes === true).length,
          total: stories.length,
        },
      })
      await appendDurable(logFile, appendableEntry(await readTextIfExists(logFile), entry))
      const checkpoint = (commit: string): NewCheckpoint => ({
        name: stageCompleteName(plan.stage.number),
        kind: 'stage-complete',
        stage: { id: plan.stage.id, name: plan.stage.name },
        phase: projectPhase(next.data)?.number ?? null,
        commit,
        branch: plan.branch,
        snapshot: ctx.before.ref,
        message: null,
        subject: plan.commitMessage,
      })
      // The scan's work and the two files written since, committed from the scan's trees and
      // staged with the scan's index (ARCHITECTURE.md §40), the tag in HEAD's move: no `add -A`,
      // no `git commit`, and the state after is known without another scan.
      const work = await commitPendingWork(ctx, plan.commitMessage, {
        allowEmpty: true,
        tag: tagWithHead(ctx.repo, ctx.settings.plainTags, checkpoint),
        written: [statePaths(ctx.repo).project, statePaths(ctx.repo).progress],
      })
      const commit = work.commit as string
      const tagged =
        Object.keys(work.created).length > 0
          ? work.created
          : await tagCheckpoint(ctx.repo, checkpoint(commit))
      const sidecars = await writeSidecars(ctx.repo, {
        [sidecarNames.stateAfter(plan.stage.number)]: after,
      })
      return {
        summary: `completed stage ${plan.stage.id} at ${commit.slice(0, 10)}`,
        result: { commit, completedAt, sidecars, untrackedAdded: untrackedOf(ctx.scan) },
        ...(work.state
          ? { after: { ...work.state, refs: { ...work.state.refs, ...tagged } } }
          : {}),
      }
    },
  })
  return planReport(outcome)
}

/** Untracked files `git add -A` picks up (sidecars are ignored, but never list them). */
const untrackedOf = (scan: WorkTreeScan): string[] =>
  scan.status.untracked.filter((p) => p !== CHECKPOINTS_DIR && !p.startsWith(`${CHECKPOINTS_DIR}/`))

async function verify(
  repo: Repo,
  commands: Array<{ name: string; command: string }>,
  stageId: string,
  commit: string,
): Promise<VerificationRun[]> {
  const runs: VerificationRun[] = []
  for (const { name, command } of commands) {
    const run = { name, ...(await runShellCommand(repo.root, command)) }
    if (run.exitCode !== 0) {
      // The plan fails, so nothing is journaled: this file is where `cpo bisect` finds the
      // failing command when it is given none (README.md, "cpo bisect").
      await writeLastFailure(repo, {
        name,
        command,
        commit,
        from: 'stage complete',
        exitCode: run.exitCode,
        outputTail: run.outputTail,
      })
      const how = run.signal ? `was killed by ${run.signal}` : `exited with ${run.exitCode}`
      throw new CpoError(
        'VERIFICATION_FAILED',
        'external',
        `verification "${name}" failed: \`${command}\` ${how}; nothing was tagged or changed`,
        {
          hint: `Fix the problem and run \`${cpoCommand('stage', 'complete', stageId)}\` again (or \`${cpoCommand('stage', 'complete', stageId, '--skip-verify')}\`).`,
          details: { passed: runs, failed: run },
        },
      )
    }
    const { outputTail: _, ...passed } = run
    runs.push(passed)
  }
  return runs
}
