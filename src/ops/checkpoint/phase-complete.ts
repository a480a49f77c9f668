import { type Repo, statePaths } from '../../adapters/repo.js'
import { phaseCompleteName } from '../../core/checkpoint/names.js'
import { sidecarNames } from '../../core/checkpoint/sidecars.js'
import {
  openStages,
  type ProjectDocument,
  type ProjectFile,
  patchProjectFile,
  phaseName,
  progressPhaseWord,
  projectPhase,
} from '../../core/project/index.js'
import { CpoError } from '../../errors.js'
import { checkpointDatabaseIfConfigured, type DbHookReport } from '../db/hooks.js'
import { readProjectDocument } from '../project-file.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { commitPendingWork } from './commit-work.js'
import { prepareSidecars, writeSidecars } from './sidecars.js'
import { readStateFile, writeStateFile } from './state-file.js'
import { type NewCheckpoint, requireFreeName, tagCheckpoint, tagWithHead } from './tagging.js'

export interface PhaseCompletePlan {
  phase: number
  tag: string
  /** The phase the state file said the project was in, and where that came from. */
  current: { number: number; source: string } | null
  /** The fields written back (only those the file already uses), e.g. `{ currentPhase: 4 }`. */
  writes: Record<string, string | number>
  /** Stages not done, completed over with --force (Phase 3 only). */
  openStages: string[]
  forced: boolean
}

export interface PhaseCompleteReport extends OperationReport, PhaseCompletePlan {
  commit: string
  committed: string | null
  sidecars: string[]
  /** The database checkpoint taken with it (or why not), when a database is configured. */
  db?: DbHookReport
}

export interface PhaseCompleteOptions {
  /** Complete a phase ahead of the current one, or Phase 3 with stages still open. */
  force?: boolean
  dryRun?: boolean
  wait?: number
  /** False: no database checkpoint (--no-db). */
  db?: boolean
}

/**
 * `cpo phase complete <N>`: checks that phase N is the one the project is in (or behind it), and
 * for Phase 3 that every stage is done; moves the state file on to the next phase in the fields
 * it already uses (`currentPhase`, `progress.phase`); commits pending work with that change;
 * tags `checkpoint/phase-N-complete` and keeps the state file and ref as sidecars.
 */
export async function completePhase(
  repo: Repo,
  input: string,
  options: PhaseCompleteOptions = {},
): Promise<{ dryRun: true; plan: PhaseCompletePlan } | ({ dryRun: false } & PhaseCompleteReport)> {
  const phase = Number(input)
  const outcome = await runOperation(repo, {
    command: 'phase complete',
    args: [input, ...(options.force ? ['--force'] : [])],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r, _operations, scan) => {
      if (!/^[1-5]$/.test(input.trim())) {
        throw new CpoError(
          'INVALID_PHASE',
          'invalidInput',
          `not a phase: ${JSON.stringify(input)} (phases are 1 to 5)`,
          {
            hint: 'Phases are 1 Discovery, 2 Planning, 3 Execution, 4 Validation, 5 Delivery: `cpo phase complete 3`.',
          },
        )
      }
      const name = phaseCompleteName(phase)
      await requireFreeName(r, name, 'That phase was already completed.')
      const [doc, { head, branch }] = await Promise.all([readProjectDocument(r), scan()])
      const checked = checkPhase(doc?.data, phase, options.force === true)
      const plan: PhaseCompletePlan = {
        phase,
        tag: `checkpoint/${name}`,
        current: checked.current,
        writes: doc === undefined ? {} : phaseWrites(doc.data, phase),
        openStages: checked.open,
        forced: options.force === true,
      }
      return { ...plan, head, branch, hasProject: doc !== undefined }
    },
    apply: async (ctx, plan) => {
      await prepareSidecars(ctx.repo)
      const subject = `checkpoint: phase ${phase} complete${phaseName(phase) ? ` - ${phaseName(phase)}` : ''}`
      const checkpointOn = (commit: string): NewCheckpoint => ({
        name: phaseCompleteName(phase),
        kind: 'phase-complete',
        stage: null,
        phase,
        commit,
        branch: plan.branch,
        snapshot: ctx.before.ref,
        message: null,
        subject,
      })
      // The next phase is part of the checkpoint: the state file is written, then committed with
      // the pending work from the scan (ARCHITECTURE.md §40, as `stage complete` does). The tag
      // joins HEAD's move when git would write it as cpo does (tagWithHead).
      const writes = Object.keys(plan.writes).length > 0
      if (writes) {
        const { text, doc } = await readStateFile(ctx.repo)
        await writeStateFile(ctx.repo, withPhaseWrites(doc, plan.writes), text)
      }
      const work = await commitPendingWork(ctx, subject, {
        allowEmpty: writes,
        tag: tagWithHead(ctx.repo, ctx.settings.plainTags, checkpointOn),
        ...(writes ? { written: [statePaths(ctx.repo).project] } : {}),
      })
      const { commit: committed, state: known, created } = work
      const commit = committed ?? plan.head
      const state = plan.hasProject ? await readStateFile(ctx.repo) : undefined
      const tagged =
        Object.keys(created).length > 0
          ? created
          : await tagCheckpoint(ctx.repo, checkpointOn(commit))
      const sidecars = await writeSidecars(ctx.repo, {
        [sidecarNames.gitRefPhase(phase)]: `${commit}\n`,
        ...(state === undefined ? {} : { [sidecarNames.statePhase(phase)]: state.text }),
      })
      const db = await checkpointDatabaseIfConfigured(ctx, phaseCompleteName(phase), options)
      return {
        summary: `completed phase ${phase} at ${commit.slice(0, 10)}`,
        result: { commit, committed, sidecars, ...(db ? { db } : {}) },
        ...(known ? { after: { ...known, refs: { ...known.refs, ...tagged } } } : {}),
      }
    },
  })
  const { head: _h, branch: _b, hasProject: _p, ...plan } = outcome.plan
  if (outcome.dryRun) return { dryRun: true, plan }
  return { dryRun: false, ...reportOf(outcome), ...plan, ...outcome.result }
}

/** Refuses to skip a phase, and to end Phase 3 while stages are open, unless forced. */
function checkPhase(
  project: ProjectFile | undefined,
  phase: number,
  force: boolean,
): { current: PhaseCompletePlan['current']; open: string[] } {
  const current = project === undefined ? undefined : projectPhase(project)
  const open = phase === 3 && project !== undefined ? openStages(project).map((s) => s.id) : []
  if (force) return { current: current ?? null, open }
  if (current !== undefined && phase > current.number) {
    throw new CpoError(
      'PHASE_SKIPPED',
      'conflict',
      `the project is in phase ${current.number} (${phaseName(current.number)}, from ${current.source}): completing phase ${phase} would skip ${current.number === phase - 1 ? `phase ${current.number}` : `phases ${current.number}–${phase - 1}`}`,
      {
        hint: `Complete phase ${current.number} first (\`cpo phase complete ${current.number}\`), or pass --force: \`cpo phase complete ${phase} --force\`.`,
        details: { current: current.number, phase },
      },
    )
  }
  if (open.length > 0) {
    throw new CpoError(
      'STAGES_OPEN',
      'conflict',
      `phase 3 (Execution) has stages not done: ${open.join(', ')}`,
      {
        hint: `Complete or skip them (\`cpo stage complete ${open[0]}\`, \`cpo stage skip ${open[0]} --reason "…"\`), or pass --force: \`cpo phase complete 3 --force\`.`,
        details: { open },
      },
    )
  }
  return { current: current ?? null, open }
}

/**
 * The phase after `phase`, in the fields the file already has: a numeric (or null)
 * `currentPhase`, and `progress.phase` in its own form (a word, a number or a digit string).
 * A file with neither gets nothing new; after Phase 5 there is no next phase.
 */
function phaseWrites(project: ProjectFile, phase: number): Record<string, string | number> {
  if (phase >= 5) return {}
  const next = phase + 1
  const writes: Record<string, string | number> = {}
  if (Object.hasOwn(project, 'currentPhase') && (project.currentPhase ?? 0) < next) {
    writes.currentPhase = next
  }
  const was = project.progress?.phase
  if (project.progress !== undefined && was !== undefined && was !== null) {
    const value =
      typeof was === 'number' ? next : /^\s*\d+\s*$/.test(was) ? String(next) : wordLike(was, next)
    const current = projectPhase({ progress: { phase: was } })?.number ?? 0
    if (current < next) writes['progress.phase'] = value
  }
  return writes
}

// `Execution` stays capitalised like the file wrote it; `EXECUTION` stays upper-case.
function wordLike(was: string, next: number): string {
  const word = progressPhaseWord(next) ?? String(next)
  if (was === was.toUpperCase() && was !== was.toLowerCase()) return word.toUpperCase()
  if (was[0] !== undefined && was[0] === was[0].toUpperCase() && was[0] !== was[0].toLowerCase())
    return `${word[0]?.toUpperCase()}${word.slice(1)}`
  return word
}

function withPhaseWrites(
  doc: ProjectDocument,
  writes: Record<string, string | number>,
): ProjectDocument {
  let next = doc
  if (writes.currentPhase !== undefined) {
    next = patchProjectFile(next, { currentPhase: writes.currentPhase as number })
  }
  const progressPhase = writes['progress.phase']
  if (progressPhase !== undefined && next.data.progress !== undefined) {
    next = patchProjectFile(next, { progress: { ...next.data.progress, phase: progressPhase } })
  }
  return next
}
