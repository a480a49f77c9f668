import { openPlatform } from '../../adapters/platforms/index.js'
import type { DeploymentConfig, EnvVarStore, Platform } from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import { isPlatformName } from '../../core/deploy/config.js'
import { CpoError } from '../../errors.js'
import { readDeploymentConfig } from '../deploy/config.js'
import { effectConfig } from '../deploy/platform.js'

export interface EnvSource {
  platform: Platform
  store: EnvVarStore
  /** Ids only: what an env effect keeps to open the platform again. */
  config: DeploymentConfig
}

/**
 * The platform whose env vars are read or written: the configured one, or `--platform`
 * (which takes the configured ids when the platform is the same).
 */
export async function envSource(
  repo: Repo,
  name: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EnvSource> {
  const resolved = await readDeploymentConfig(repo, env)
  if (name !== undefined && !isPlatformName(name)) {
    throw new CpoError('USAGE', 'usage', `--platform ${name} is not a platform cpo knows`, {
      hint: 'Write e.g. --platform vercel (see `cpo deploy status`).',
    })
  }
  const config: DeploymentConfig =
    name === undefined || name === resolved.config.platform
      ? resolved.config
      : { platform: name as DeploymentConfig['platform'] }
  return openEnvSource(repo, effectConfig(config), env)
}

export async function openEnvSource(
  repo: Repo,
  config: DeploymentConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EnvSource> {
  const platform = await openPlatform({ config, env, root: repo.root })
  if (!platform.env) {
    throw new CpoError(
      'ENV_NOT_SUPPORTED',
      'invalidInput',
      `cpo has no env-var API for ${platform.name} (${platform.target})`,
      {
        hint:
          platform.name === 'local'
            ? 'Back up the local .env files with `cpo env backup --local`.'
            : 'Back up the variables in the platform dashboard; `cpo env backup --local` keeps the local .env files.',
      },
    )
  }
  return { platform, store: platform.env, config }
}
