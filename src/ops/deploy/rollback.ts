import { failpoint } from '../../adapters/failpoint.js'
import { checkHealth, type HealthResult } from '../../adapters/platforms/health.js'
import type {
  Deployment,
  JobResult,
  JobState,
  Pitfall,
  Platform,
} from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import type { ResolvedConfig } from '../../core/deploy/config.js'
import { pickRollbackTarget } from '../../core/deploy/target.js'
import { checkReason } from '../../core/rollback/inputs.js'
import { CpoError } from '../../errors.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { deployEffect } from './effect.js'
import { configuredPlatform, effectConfig, excludeLocalDir } from './platform.js'
import { checkpointOfCommit, checkpointTags, type TagInfo } from './prod-tags.js'

export interface RollbackDeployOptions {
  /** A deployment id or a `prod-vK` checkpoint; default: the previous candidate. */
  to?: string
  reason?: string
  dryRun?: boolean
  /** Netlify: lock the restored deploy against auto-publishing. */
  lock?: boolean
  timeoutSeconds?: number
  wait?: number
  onProgress?: (state: JobState, elapsedMs: number) => void
}

export interface RollbackDeployPlan {
  platform: string
  where: string
  source: ResolvedConfig['source']
  current: Deployment | null
  target: Deployment
  pitfalls: Pitfall[]
  healthUrl: string | null
}

export interface RollbackDeployReport extends OperationReport, RollbackDeployPlan {
  job: JobResult
  health: HealthResult | null
}

export type RollbackDeployOutcome =
  | { dryRun: true; plan: RollbackDeployPlan }
  | ({ dryRun: false } & RollbackDeployReport)

const DEFAULT_TIMEOUT_S = 180

/**
 * `cpo rollback deploy`: makes an earlier production deployment serve, as a journaled effect
 * whose revert makes the one before serve again (`cpo undo`, `cpo recover`). Follows the
 * platform's job to a final state, then checks the health URL.
 */
export async function rollbackDeploy(
  repo: Repo,
  options: RollbackDeployOptions,
): Promise<RollbackDeployOutcome> {
  const reason = checkReason(options.reason)
  const timeoutMs = parseTimeout(options.timeoutSeconds)
  const { resolved, platform } = await configuredPlatform(repo)
  if (options.lock && platform.name !== 'netlify') {
    throw new CpoError(
      'USAGE',
      'usage',
      `--lock applies to Netlify only (this project deploys to ${platform.name})`,
      {
        hint: 'Run the same command without --lock.',
      },
    )
  }
  await excludeLocalDir(repo, resolved.config)
  const outcome = await runOperation(repo, {
    command: 'rollback deploy',
    args: [
      ...(options.to === undefined ? [] : ['--to', options.to]),
      ...(options.lock ? ['--lock'] : []),
    ],
    reason,
    captureAfter: false,
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    plan: async (r): Promise<RollbackDeployPlan> => {
      const [deployments, tags] = await Promise.all([
        platform.list({ limit: 100 }),
        checkpointTags(r),
      ])
      const asked = options.to === undefined ? undefined : deploymentIdOf(options.to, tags)
      const { target, current } = pickRollbackTarget(deployments, asked, platform.target)
      return {
        platform: platform.name,
        where: platform.target,
        source: resolved.source,
        current,
        target,
        pitfalls: [...platform.pitfalls(), databasePitfall(tags, target)],
        healthUrl: resolved.config.healthUrl ?? null,
      }
    },
    apply: async (ctx, plan) => {
      const effect = deployEffect({
        platform: platform.name,
        config: effectConfig(resolved.config),
        previous: plan.current?.id ?? null,
        target: plan.target.id,
        timeoutMs,
      })
      const job = await ctx.runEffect(effect, () =>
        rollBackAndFollow(platform, plan.target, options, timeoutMs),
      )
      const health = plan.healthUrl ? await checkHealth(plan.healthUrl) : null
      return {
        summary: `${platform.name} production rolled back to ${plan.target.id}${plan.current ? ` (from ${plan.current.id})` : ''}`,
        result: { job, health },
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan }
  return { dryRun: false, ...reportOf(outcome), ...outcome.plan, ...outcome.result }
}

async function rollBackAndFollow(
  platform: Platform,
  target: Deployment,
  options: RollbackDeployOptions,
  timeoutMs: number,
): Promise<JobResult> {
  const job = await platform.rollback(target, {
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.lock ? { lock: true } : {}),
  })
  failpoint('deploy-requested')
  const result = await platform.follow(job, {
    timeoutMs,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  failpoint('deploy-followed')
  if (result.state === 'failed') {
    // Thrown inside the effect: the operation fails and its revert makes the previous
    // deployment serve again (if the platform moved at all).
    throw new CpoError(
      'DEPLOY_ROLLBACK_FAILED',
      'external',
      `${platform.name} rollback to ${target.id} failed${result.detail ? `: ${result.detail}` : ''}`,
      { hint: 'Production was put back to what served before; see `cpo deploy status`.' },
    )
  }
  return result
}

/** `prod-vK` (or `checkpoint/prod-vK`) → the deployment its tag records; anything else is an id. */
function deploymentIdOf(to: string, tags: TagInfo[]): string {
  const name = to.replace(/^checkpoint\//, '')
  if (!/^prod-v\d+$/.test(name)) return to
  const tag = tags.find((t) => t.name === name)
  if (!tag?.deployment) {
    throw new CpoError(
      'CHECKPOINT_NOT_FOUND',
      'notFound',
      tag
        ? `checkpoint ${name} records no deployment`
        : `no checkpoint ${name} (deployments are recorded with \`cpo deploy record\`)`,
      { hint: 'See the recorded deployments with `cpo timeline`, or pass a deployment id.' },
    )
  }
  return tag.deployment.id
}

/** Every platform: migrations stay. Points to the checkpoint of the target's commit. */
function databasePitfall(tags: TagInfo[], target: Deployment): Pitfall {
  const cp = checkpointOfCommit(tags, target.commit)
  return {
    code: 'database-not-rolled-back',
    message: cp
      ? `database migrations are never rolled back: the database keeps the schema and data of the newer release; to return it to ${target.commit?.slice(0, 10)}: cpo db restore ${cp.name}`
      : `database migrations are never rolled back: the database keeps the schema and data of the newer release${target.commit ? ` (no checkpoint on ${target.commit.slice(0, 10)} to restore it from)` : ''}`,
  }
}

function parseTimeout(seconds: number | undefined): number {
  if (seconds === undefined) return DEFAULT_TIMEOUT_S * 1000
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new CpoError('USAGE', 'usage', `--timeout takes a positive number of seconds`, {
      hint: `Write e.g. --timeout ${DEFAULT_TIMEOUT_S}.`,
    })
  }
  return seconds * 1000
}
