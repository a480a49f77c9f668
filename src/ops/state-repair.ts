import type { Repo } from '../adapters/repo.js'
import { type StateProblem, stateProblems } from '../core/diagnose/consistency.js'
import { repairState, type StateRepair } from '../core/diagnose/repair.js'
import { serializeProjectDocument } from '../core/project/index.js'
import { readStateFile, writeStateFile } from './checkpoint/state-file.js'
import { readRepoFacts } from './diagnose/git-facts.js'
import { type OperationReport, reportOf, runOperation } from './protocol.js'

export interface StateRepairPlan {
  problems: StateProblem[]
  stages: StateRepair['stages']
  stories: StateRepair['stories']
  epics: StateRepair['epics']
}

export type StateRepairOutcome =
  | { dryRun: true; repaired: false; plan: StateRepairPlan }
  | { dryRun: false; repaired: false; plan: StateRepairPlan }
  | ({ dryRun: false; repaired: true; plan: StateRepairPlan } & OperationReport)

/**
 * `cpo state repair`: sets stage statuses, stories and `currentStage` to what git shows, as a
 * journaled operation (`cpo undo` puts the file back). The file is left uncommitted, like the
 * change `stage start` makes: the next commit of the workflow records it.
 */
export async function repairStateFile(
  repo: Repo,
  options: { dryRun?: boolean; wait?: number } = {},
): Promise<StateRepairOutcome> {
  const planOf = async (r: Repo) => {
    const { text, doc } = await readStateFile(r)
    const problems = stateProblems(doc.data, await readRepoFacts(r, doc.data))
    const fixed = repairState(doc, problems)
    const plan: StateRepairPlan = {
      problems,
      stages: fixed.stages,
      stories: fixed.stories,
      epics: fixed.epics,
    }
    return { plan, text, next: fixed.doc }
  }
  // Nothing to repair: no operation, nothing journaled.
  const first = await planOf(repo)
  if (first.plan.problems.length === 0) {
    return {
      dryRun: options.dryRun === true,
      repaired: false,
      plan: first.plan,
    } as StateRepairOutcome
  }
  const outcome = await runOperation(repo, {
    command: 'state repair',
    args: [],
    reason: 'make master-project.json agree with git',
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: (r) => planOf(r),
    apply: async (ctx, { plan, text, next }) => {
      await writeStateFile(ctx.repo, next, text)
      return {
        summary: `repaired master-project.json: ${plan.problems.length} problem(s)`,
        result: { written: serializeProjectDocument(next).length },
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, repaired: false, plan: outcome.plan.plan }
  return { dryRun: false, repaired: true, plan: outcome.plan.plan, ...reportOf(outcome) }
}
