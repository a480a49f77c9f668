import { checkHealth } from '../../adapters/platforms/health.js'
import type { Repo } from '../../adapters/repo.js'
import { deployStatus } from '../deploy/list.js'
import type { CheckOutcome } from './checks.js'

/**
 * The deployment row of diagnose: `cpo deploy status` (what serves, or why the platform could
 * not say) and, when configured, the `healthUrl` (README.md, "Deployments"). Only a health URL
 * that fails counts as users seeing errors; a platform cpo could not ask is an `error` (the
 * check could not run), not a verdict.
 */
export async function deploymentOutcome(
  repo: Repo,
  health: { attempts?: number; delayMs?: number } = { attempts: 2, delayMs: 300 },
): Promise<CheckOutcome> {
  const s = await deployStatus(repo)
  if (s.source.kind === 'default') return { status: 'skip', evidence: 'no deployment configured' }
  if (s.adapter === 'not available') {
    return { status: 'skip', evidence: `cpo cannot talk to ${s.platform} yet` }
  }
  const serving = s.current ? `${s.platform} serves ${s.current.id}` : null
  const url = s.config.healthUrl
  if (url !== undefined) {
    const h = await checkHealth(url, health)
    if (!h.healthy) {
      const answer = h.status === null ? `no answer (${h.error ?? 'unreachable'})` : `${h.status}`
      return {
        status: 'fail',
        evidence: `production health check failed: GET ${url} answered ${answer}`,
        details: { health: h, current: s.current },
      }
    }
    return {
      status: 'pass',
      evidence: `GET ${url} answered ${h.status}${serving ? `; ${serving}` : ''}`,
    }
  }
  if (s.problem) {
    // The plan naming a host (techStack.hosting) is an intention, not a deployment to check.
    const status = s.source.kind === 'hosting' ? 'skip' : 'error'
    return { status, evidence: `${s.platform}: ${s.problem.message}` }
  }
  return {
    status: 'pass',
    evidence: `${serving ?? `${s.platform} serves nothing yet`} (no healthUrl configured to check)`,
  }
}
