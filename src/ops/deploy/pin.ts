import { checkHealth, type HealthResult } from '../../adapters/platforms/health.js'
import type { JobResult, Platform, PlatformJob } from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import { CpoError } from '../../errors.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { deployEffect } from './effect.js'
import { configuredPlatform, effectConfig } from './platform.js'

/**
 * A platform whose rollback pins the app until it is kept or undone (DigitalOcean: new deploys
 * are blocked meanwhile). `cpo deploy commit` keeps it, `cpo deploy revert` undoes it.
 */
export interface Pinning {
  pinned(): Promise<string | null>
  commit(): Promise<void>
  revert(): Promise<PlatformJob>
}

const canPin = (p: Platform): p is Platform & Pinning => {
  const x = p as Partial<Pinning>
  return typeof x.commit === 'function' && typeof x.revert === 'function'
}

async function pinningPlatform(repo: Repo, what: string) {
  const configured = await configuredPlatform(repo)
  const { platform } = configured
  if (!canPin(platform)) {
    throw new CpoError(
      'NOT_SUPPORTED',
      'invalidInput',
      `${platform.name} does not pin an app after a rollback: \`cpo deploy ${what}\` is for DigitalOcean`,
      { hint: 'A rollback on this platform is undone with `cpo undo <op>` (see `cpo log`).' },
    )
  }
  return { ...configured, platform }
}

export interface CommitReport extends OperationReport {
  platform: string
  /** The deployment that stays, no longer pinned. */
  kept: string
}

/** `cpo deploy commit`: keeps the pinned rollback and unpins the app, so deploys run again. */
export async function commitRollback(
  repo: Repo,
  options: { wait?: number } = {},
): Promise<CommitReport> {
  const { platform } = await pinningPlatform(repo, 'commit')
  const outcome = await runOperation(repo, {
    command: 'deploy commit',
    args: [],
    // Unpinning cannot be taken back: a new rollback pins again.
    undoable: false,
    captureAfter: false,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    plan: async () => {
      const pinned = await platform.pinned()
      if (pinned === null) throw notPinned(platform, 'commit')
      return { pinned }
    },
    apply: async (_ctx, plan) => {
      await platform.commit()
      return {
        summary: `${platform.name} rollback to ${plan.pinned} kept; the app is unpinned`,
        result: plan,
      }
    },
  })
  if (outcome.dryRun) throw new Error('deploy commit has no dry run')
  return { ...reportOf(outcome), platform: platform.name, kept: outcome.plan.pinned }
}

export interface RevertReport extends OperationReport {
  platform: string
  /** The rollback deployment that served while pinned. */
  pinned: string
  job: JobResult
  health: HealthResult | null
}

/**
 * `cpo deploy revert`: undoes the pinned rollback on the platform (it deploys what served
 * before), journaled as a deploy effect so `cpo undo` rolls back again.
 */
export async function revertRollback(
  repo: Repo,
  options: { wait?: number; timeoutSeconds?: number } = {},
): Promise<RevertReport> {
  const timeoutMs = (options.timeoutSeconds ?? 180) * 1000
  const { platform, resolved } = await pinningPlatform(repo, 'revert')
  const outcome = await runOperation(repo, {
    command: 'deploy revert',
    args: [],
    captureAfter: false,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    plan: async () => {
      const [pinned, current] = await Promise.all([platform.pinned(), platform.current()])
      if (pinned === null) throw notPinned(platform, 'revert')
      return { pinned, current: current?.id ?? pinned }
    },
    apply: async (ctx, plan) => {
      let target = ''
      const effect = deployEffect({
        platform: platform.name,
        config: effectConfig(resolved.config),
        previous: plan.current,
        target: '(what served before the rollback)',
        timeoutMs,
      })
      const job = await ctx.runEffect(effect, async () => {
        const started = await platform.revert()
        target = started.deploymentId
        const result = await platform.follow(started, { timeoutMs })
        if (result.state === 'failed') {
          throw new CpoError(
            'DEPLOY_REVERT_FAILED',
            'external',
            `${platform.name} did not finish reverting the rollback${result.detail ? `: ${result.detail}` : ''}`,
            { hint: 'See what serves with `cpo deploy status`.' },
          )
        }
        return result
      })
      const health = resolved.config.healthUrl ? await checkHealth(resolved.config.healthUrl) : null
      return {
        summary: `${platform.name} rollback reverted${target ? `: ${target} serves again` : ''}`,
        result: { job, health },
      }
    },
  })
  if (outcome.dryRun) throw new Error('deploy revert has no dry run')
  return {
    ...reportOf(outcome),
    platform: platform.name,
    pinned: outcome.plan.pinned,
    ...outcome.result,
  }
}

function notPinned(platform: Platform, what: string): CpoError {
  return new CpoError(
    'NOT_PINNED',
    'conflict',
    `${platform.target} is not pinned by a rollback: nothing to ${what}`,
    { hint: 'See what serves with `cpo deploy status`.' },
  )
}
