import type { Repo } from '../../adapters/repo.js'
import { phaseCompleteName } from '../../core/checkpoint/names.js'
import { sidecarNames } from '../../core/checkpoint/sidecars.js'
import { phaseName } from '../../core/project/index.js'
import { CpoError } from '../../errors.js'
import { checkpointDatabaseIfConfigured, type DbHookReport } from '../db/hooks.js'
import { readProjectDocument } from '../project-file.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { commitPendingWork } from './commit-work.js'
import { prepareSidecars, writeSidecars } from './sidecars.js'
import { readStateFile } from './state-file.js'
import { requireFreeName, tagCheckpoint } from './tagging.js'

export interface PhaseCompleteReport extends OperationReport {
  phase: number
  tag: string
  commit: string
  committed: string | null
  sidecars: string[]
  /** The database checkpoint taken with it (or why not), when a database is configured. */
  db?: DbHookReport
}

/**
 * `cpo phase complete <N>`: commits pending work when there is some, tags
 * `checkpoint/phase-N-complete` and keeps the state file and ref as sidecars.
 */
export async function completePhase(
  repo: Repo,
  input: string,
  options: { wait?: number; db?: boolean } = {},
): Promise<PhaseCompleteReport> {
  const phase = Number(input)
  const outcome = await runOperation(repo, {
    command: 'phase complete',
    args: [input],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    plan: async (r, _operations, scan) => {
      if (!/^\d+$/.test(input) || phase < 1 || phase > 99) {
        throw new CpoError(
          'INVALID_PHASE',
          'invalidInput',
          `not a phase number: ${JSON.stringify(input)}`,
          {
            hint: 'Phases are 1 Discovery, 2 Planning, 3 Execution, 4 Validation, 5 Delivery.',
          },
        )
      }
      await requireFreeName(r, phaseCompleteName(phase), 'That phase was already completed.')
      const { head, branch } = await scan()
      return {
        head,
        branch,
        hasProject: (await readProjectDocument(r)) !== undefined,
      }
    },
    apply: async (ctx, plan) => {
      await prepareSidecars(ctx.repo)
      const subject = `checkpoint: phase ${phase} complete${phaseName(phase) ? ` - ${phaseName(phase)}` : ''}`
      const work = await commitPendingWork(ctx, subject, { allowEmpty: false })
      const committed = work.commit
      const commit = committed ?? plan.head
      const state = plan.hasProject ? await readStateFile(ctx.repo) : undefined
      const tagged = await tagCheckpoint(ctx.repo, {
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
      const sidecars = await writeSidecars(ctx.repo, {
        [sidecarNames.gitRefPhase(phase)]: `${commit}\n`,
        ...(state === undefined ? {} : { [sidecarNames.statePhase(phase)]: state.text }),
      })
      const db = await checkpointDatabaseIfConfigured(ctx, phaseCompleteName(phase), options)
      return {
        summary: `completed phase ${phase} at ${commit.slice(0, 10)}`,
        result: { commit, committed, sidecars, ...(db ? { db } : {}) },
        ...(work.state
          ? { after: { ...work.state, refs: { ...work.state.refs, ...tagged } } }
          : {}),
      }
    },
  })
  if (outcome.dryRun) throw new Error('unreachable: no dry run here')
  return {
    ...reportOf(outcome),
    phase,
    tag: `checkpoint/${phaseCompleteName(phase)}`,
    ...outcome.result,
  }
}
