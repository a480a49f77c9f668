import { loadEngine } from '../../adapters/db/engines.js'
import type { Repo } from '../../adapters/repo.js'
import { checkpointName } from '../../core/checkpoint/names.js'
import { CpoError } from '../../errors.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { type StrategyChoice, takeDbCheckpoint } from './checkpoint.js'
import { type LocateOptions, requireDatabase } from './locate.js'
import {
  applyDbRestore,
  type DbRestoreOptions,
  type DbRestorePlan,
  planDbRestore,
} from './restore.js'
import { type DbCheckpointMeta, readDbCheckpoint } from './store.js'

export interface DbCheckpointOptions extends LocateOptions {
  strategy?: StrategyChoice
  terminateConnections?: boolean
  dryRun?: boolean
  wait?: number
}

export interface DbCheckpointPlan {
  checkpoint: string
  engine: string
  database: string
  redactedUrl: string
}

const STRATEGIES = ['auto', 'template', 'dump', 'file'] as const

/** `cpo db checkpoint [name]`: a copy of the live database with its schema and migrations. */
export async function dbCheckpoint(
  repo: Repo,
  input: string | undefined,
  options: DbCheckpointOptions = {},
): Promise<
  | { dryRun: true; plan: DbCheckpointPlan }
  | ({ dryRun: false; plan: DbCheckpointPlan } & OperationReport &
      DbCheckpointPlan & { meta: DbCheckpointMeta })
> {
  const strategy = options.strategy ?? 'auto'
  if (!STRATEGIES.includes(strategy)) {
    throw new CpoError(
      'USAGE',
      'usage',
      `--strategy takes ${STRATEGIES.join(', ')}, got ${JSON.stringify(strategy)}`,
      {
        hint: 'Write --strategy auto (template on a local server nobody else uses, else dump).',
      },
    )
  }
  const outcome = await runOperation(repo, {
    command: 'db checkpoint',
    args: input === undefined ? [] : [input],
    undoable: false,
    captureAfter: false,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r) => {
      const checkpoint = checkpointName(
        input ??
          `db-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`,
      )
      if (await readDbCheckpoint(r, checkpoint)) {
        throw new CpoError(
          'DB_CHECKPOINT_EXISTS',
          'conflict',
          `database checkpoint ${checkpoint} already exists`,
          {
            hint: `Pick another name, or delete it first (\`cpo db prune\`, \`cpo checkpoint delete ${checkpoint}\`).`,
          },
        )
      }
      const found = await requireDatabase(r, options)
      const engine = await loadEngine(found.location.engine)
      const probe = await engine.probe(found.location)
      if (!probe.reachable) {
        const p = probe.problem ?? {
          code: 'DB_UNREACHABLE',
          message: 'the database is not reachable',
          hint: '',
        }
        throw new CpoError(p.code, 'external', p.message, { hint: p.hint })
      }
      return {
        found,
        plan: {
          checkpoint,
          engine: found.location.engine,
          database: found.location.name,
          redactedUrl: found.location.redactedUrl,
        },
      }
    },
    apply: async (ctx, { found, plan }) => {
      const meta = await takeDbCheckpoint(ctx.repo, found, plan.checkpoint, ctx.opId, {
        strategy,
        ...(options.terminateConnections ? { terminateConnections: true } : {}),
        runEffect: ctx.runEffect,
      })
      return { summary: `database checkpoint ${plan.checkpoint} (${meta.strategy})`, result: meta }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan.plan }
  return {
    dryRun: false,
    plan: outcome.plan.plan,
    ...reportOf(outcome),
    ...outcome.plan.plan,
    meta: outcome.result,
  }
}

export interface DbRestoreCommandOptions extends DbRestoreOptions {
  dryRun?: boolean
  wait?: number
  reason?: string
}

/** `cpo db restore <checkpoint>`: the live database becomes the checkpoint's; undo swaps back. */
export async function dbRestore(
  repo: Repo,
  input: string,
  options: DbRestoreCommandOptions = {},
): Promise<
  | { dryRun: true; plan: DbRestorePlan }
  | ({ dryRun: false; plan: DbRestorePlan } & OperationReport & DbRestorePlan)
> {
  const outcome = await runOperation(repo, {
    command: 'db restore',
    args: [input, ...(options.remote ? ['--remote'] : [])],
    captureAfter: false,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    // A dry run shows what a restore of a server that is not local would replace.
    plan: (r) =>
      planDbRestore(r, checkpointName(input), {
        ...options,
        remote: options.remote || options.dryRun === true,
      }),
    apply: async (ctx, job) => {
      const { keptAs } = await applyDbRestore(ctx, job)
      return {
        summary: `restored database ${job.plan.database} to ${job.plan.checkpoint}`,
        result: { keptAs },
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan.plan }
  return {
    dryRun: false,
    plan: outcome.plan.plan,
    ...reportOf(outcome),
    ...outcome.plan.plan,
    keptAs: outcome.result.keptAs,
  }
}
