import type { Repo } from '../../adapters/repo.js'
import { type EnvPlanView, planEnv, viewOf } from './plan.js'

/**
 * `cpo env diff <file>`: what a restore of the backup would change, by name. Values are
 * compared when the backup is encrypted and its key is at hand; they are never shown.
 */
export async function diffEnvBackup(
  repo: Repo,
  file: string,
  o: { identityFile?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<EnvPlanView> {
  return viewOf(await planEnv(repo, file, { needValues: false, ...o }))
}
