import { checkHealth, type HealthResult } from '../../adapters/platforms/health.js'
import type { Deployment, JobResult } from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import { CpoError } from '../../errors.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { deployEffect } from './effect.js'
import { configuredPlatform, effectConfig, excludeLocalDir } from './platform.js'

export interface PromoteReport extends OperationReport {
  platform: string
  previous: Deployment | null
  target: Deployment
  job: JobResult
  health: HealthResult | null
}

/**
 * `cpo deploy promote <id>`: makes a deployment serve production (Vercel promote, a Railway
 * rollback to it, a symlink swap), journaled like a rollback so `cpo undo` puts back the one
 * that served before.
 */
export async function promoteDeployment(
  repo: Repo,
  id: string,
  options: { reason?: string; wait?: number; timeoutSeconds?: number } = {},
): Promise<PromoteReport> {
  const timeoutMs = (options.timeoutSeconds ?? 180) * 1000
  const { resolved, platform } = await configuredPlatform(repo)
  await excludeLocalDir(repo, resolved.config)
  const outcome = await runOperation(repo, {
    command: 'deploy promote',
    args: [id],
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    captureAfter: false,
    plan: async () => {
      const list = await platform.list({ limit: 100 })
      const target = list.find((d) => d.id === id)
      if (!target) {
        throw new CpoError(
          'DEPLOYMENT_NOT_FOUND',
          'notFound',
          `no production deployment ${id} on ${platform.target}`,
          {
            hint: 'See the production deployments with `cpo deploy list`.',
          },
        )
      }
      if (target.current) {
        throw new CpoError('DEPLOYMENT_SERVES', 'conflict', `${id} serves production already`, {
          hint: 'Nothing to promote.',
        })
      }
      return { target, previous: list.find((d) => d.current) ?? null }
    },
    apply: async (ctx, plan) => {
      const effect = deployEffect({
        platform: platform.name,
        config: effectConfig(resolved.config),
        previous: plan.previous?.id ?? null,
        target: id,
        timeoutMs,
      })
      const job = await ctx.runEffect(effect, async () => {
        const started = await platform.promote(id)
        const result = await platform.follow(started, { timeoutMs })
        if (result.state === 'failed') {
          throw new CpoError(
            'DEPLOY_PROMOTE_FAILED',
            'external',
            `${platform.name} promote of ${id} failed${result.detail ? `: ${result.detail}` : ''}`,
            {
              hint: 'Production was put back to what served before; see `cpo deploy status`.',
            },
          )
        }
        return result
      })
      const health = resolved.config.healthUrl ? await checkHealth(resolved.config.healthUrl) : null
      return { summary: `${platform.name} production now serves ${id}`, result: { job, health } }
    },
  })
  if (outcome.dryRun) throw new Error('deploy promote has no dry run')
  return { ...reportOf(outcome), platform: platform.name, ...outcome.plan, ...outcome.result }
}
