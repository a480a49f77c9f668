import { ensureExcluded } from '../../adapters/exclude.js'
import { openPlatform } from '../../adapters/platforms/index.js'
import { DEFAULT_LOCAL_PATH } from '../../adapters/platforms/local.js'
import type { DeploymentConfig, Platform } from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import type { ResolvedConfig } from '../../core/deploy/config.js'
import { readDeploymentConfig } from './config.js'

export interface Configured {
  resolved: ResolvedConfig
  platform: Platform
}

/** The configured platform, opened with the environment's tokens. */
export async function configuredPlatform(
  repo: Repo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Configured> {
  const resolved = await readDeploymentConfig(repo, env)
  return {
    resolved,
    platform: await openPlatform({ config: resolved.config, env, root: repo.root }),
  }
}

/**
 * The config without what a revert does not need; what an effect keeps in the journal (ids
 * and the local path, never a token).
 */
export function effectConfig(config: DeploymentConfig): DeploymentConfig {
  const { healthUrl: _health, ...ids } = config
  return ids
}

/**
 * The local deploy directory is cpo's, never the user's work: git ignores it (like
 * .checkpoints/), so no snapshot holds it and no restore touches it. Done before an operation
 * scans the tree.
 */
export async function excludeLocalDir(repo: Repo, config: DeploymentConfig): Promise<void> {
  if (config.platform !== 'local') return
  const rel = (config.path ?? DEFAULT_LOCAL_PATH).replace(/^\.\/+/, '').replace(/\/+$/, '')
  await ensureExcluded(repo, `/${rel}/`)
}
