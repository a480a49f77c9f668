import { moveRefs, readRef } from '../../adapters/checkpoint-git.js'
import type { Repo } from '../../adapters/repo.js'
import { checkpointName, DELETED_TAG_PREFIX, tagRefOf } from '../../core/checkpoint/names.js'
import { CpoError } from '../../errors.js'
import { type ParkedDbCheckpoint, parkDbCheckpoint } from '../db/park.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'

export interface DeleteCheckpointReport extends OperationReport {
  name: string
  tag: string
  /** The tag object, kept reachable under `kept` so `cpo undo` can put the tag back. */
  object: string
  kept: string
  /** The checkpoint's database copy, parked with it (undo puts it back). */
  db?: ParkedDbCheckpoint
}

/**
 * `cpo checkpoint delete <name>`: removes the tag, journaled. The annotated tag object is parked
 * under `refs/cpo/deleted-tags/<op>/<name>` in the same ref transaction: `cpo undo` restores
 * the tag ref, and only a ref keeps the object it points to alive through `git gc`.
 */
export async function deleteCheckpoint(
  repo: Repo,
  input: string,
  options: { wait?: number; dryRun?: boolean } = {},
): Promise<
  | { dryRun: true; plan: { name: string; object: string } }
  | ({ dryRun: false; plan: { name: string; object: string } } & DeleteCheckpointReport)
> {
  const outcome = await runOperation(repo, {
    command: 'checkpoint delete',
    args: [input],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r) => {
      const name = checkpointName(input)
      const object = await readRef(r, tagRefOf(name))
      if (object === undefined) {
        throw new CpoError('CHECKPOINT_NOT_FOUND', 'notFound', `no checkpoint tag ${name}`, {
          hint: 'Only tagged checkpoints can be deleted (inferred ones are commit messages); see `cpo checkpoint list`.',
        })
      }
      return { name, object }
    },
    apply: async (ctx, plan) => {
      const kept = `${DELETED_TAG_PREFIX}${ctx.opId}/${plan.name}`
      await moveRefs(ctx.repo, [
        { ref: kept, to: plan.object },
        { ref: tagRefOf(plan.name), from: plan.object },
      ])
      const db = await parkDbCheckpoint(ctx.repo, plan.name, ctx.opId, ctx.runEffect)
      return {
        summary: `deleted checkpoint ${plan.name} (kept as ${kept})`,
        result: { kept, ...(db ? { db } : {}) },
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan }
  return {
    dryRun: false,
    plan: outcome.plan,
    ...reportOf(outcome),
    name: outcome.plan.name,
    tag: `checkpoint/${outcome.plan.name}`,
    object: outcome.plan.object,
    kept: outcome.result.kept,
    ...(outcome.result.db ? { db: outcome.result.db } : {}),
  }
}
