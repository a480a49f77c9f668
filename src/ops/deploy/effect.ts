import { openPlatform } from '../../adapters/platforms/index.js'
import { type DeploymentConfig, serves } from '../../adapters/platforms/types.js'
import type { Effect } from '../../core/journal.js'
import { CpoError } from '../../errors.js'
import type { EffectHandler } from '../effects.js'

/**
 * A change of what serves production (ARCHITECTURE.md, "Effects outside git"): `previous`
 * served before, `target` was asked to serve. The config holds ids only; the token comes from
 * the environment when it is reverted.
 */
export interface DeployStep {
  platform: DeploymentConfig['platform']
  config: DeploymentConfig
  previous: string | null
  target: string
  timeoutMs: number
}

export type DeployEffect = Effect & DeployStep & { kind: 'deploy' }

export const deployEffect = (e: DeployStep): DeployEffect => ({ kind: 'deploy', ...e })

/**
 * Reverting asks the platform what serves now and makes `previous` serve again unless it does
 * already: idempotent, so it works after a finished rollback (undo), a half-done one (recover)
 * and twice in a row. The change it makes is an effect itself, so undoing the undo rolls
 * forward again.
 */
export const deployHandler: EffectHandler = {
  async revert(repo, effect, run) {
    const e = effect as unknown as DeployEffect
    const platform = await openPlatform({ config: e.config, env: process.env, root: repo.root })
    const now = await platform.current()
    if (e.previous === null) {
      if (now === null || !platform.stopServing) return
      await run(deployEffect({ ...e, previous: now.id, target: '' }), () =>
        (platform.stopServing as () => Promise<void>).call(platform),
      )
      return
    }
    if (serves(now, e.previous)) return
    const previous = e.previous
    await run(deployEffect({ ...e, previous: now?.id ?? null, target: previous }), async () => {
      const job = await platform.promote(previous)
      const result = await platform.follow(job, { timeoutMs: e.timeoutMs })
      if (result.state !== 'succeeded') {
        throw new CpoError(
          'DEPLOY_REVERT_FAILED',
          'external',
          `${platform.name} did not finish making ${previous} serve again (${result.state}${result.detail ? `: ${result.detail}` : ''})`,
          { hint: 'Check the platform dashboard, then run `cpo recover` (or the undo) again.' },
        )
      }
    })
  },
  describe(effect) {
    const e = effect as unknown as DeployEffect
    return e.previous === null
      ? `take ${e.platform} production offline (nothing served before ${e.target})`
      : `make ${e.platform} deployment ${e.previous} serve production again`
  },
}
