import { hasAdapter } from '../../adapters/platforms/index.js'
import type { Deployment } from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import type { ResolvedConfig } from '../../core/deploy/config.js'
import { CpoError } from '../../errors.js'
import { readDeploymentConfig } from './config.js'
import { configuredPlatform } from './platform.js'
import { checkpointTags } from './prod-tags.js'

export interface DeployListReport {
  platform: string
  where: string
  deployments: Array<Deployment & { checkpoint: string | null }>
}

/** `cpo deploy list`: production deployments newest first, with their prod-vK checkpoint. */
export async function listDeployments(
  repo: Repo,
  options: { limit?: number } = {},
): Promise<DeployListReport> {
  const limit = options.limit ?? 20
  if (!Number.isInteger(limit) || limit < 1) {
    throw new CpoError('USAGE', 'usage', `--limit takes a positive whole number, got ${limit}`, {
      hint: 'Write e.g. --limit 10.',
    })
  }
  const { platform } = await configuredPlatform(repo)
  const [deployments, tags] = await Promise.all([platform.list({ limit }), checkpointTags(repo)])
  return {
    platform: platform.name,
    where: platform.target,
    deployments: deployments.map((d) => ({
      ...d,
      checkpoint: tags.find((t) => t.deployment?.id === d.id)?.name ?? null,
    })),
  }
}

export interface DeployStatusReport {
  platform: string
  source: ResolvedConfig['source']
  config: ResolvedConfig['config']
  detected: ResolvedConfig['detected']
  adapter: 'available' | 'not available'
  current: Deployment | null
  /** Why the platform could not be asked (no token, unreachable). */
  problem: { code: string; message: string; hint: string | null } | null
}

/** `cpo deploy status`: which platform, which source won, what serves now. */
export async function deployStatus(repo: Repo): Promise<DeployStatusReport> {
  const resolved = await readDeploymentConfig(repo)
  const base = {
    platform: resolved.config.platform,
    source: resolved.source,
    config: resolved.config,
    detected: resolved.detected,
  }
  if (!hasAdapter(resolved.config.platform)) {
    return { ...base, adapter: 'not available', current: null, problem: null }
  }
  try {
    const { platform } = await configuredPlatform(repo)
    return { ...base, adapter: 'available', current: await platform.current(), problem: null }
  } catch (error) {
    if (!(error instanceof CpoError)) throw error
    return {
      ...base,
      adapter: 'available',
      current: null,
      problem: { code: error.code, message: error.message, hint: error.hint ?? null },
    }
  }
}
