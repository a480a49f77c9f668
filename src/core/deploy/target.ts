import { CpoError } from '../../errors.js'
import type { Deployment } from './types.js'

/**
 * The rollback target: the one asked for, or by default the newest production deployment
 * older than the one serving that the platform accepts as a target. Refused with the reason
 * when it serves already or the platform would not take it.
 */
export function pickRollbackTarget(
  deployments: Deployment[],
  asked: string | undefined,
  where: string,
): { target: Deployment; current: Deployment | null } {
  const current = deployments.find((d) => d.current) ?? null
  if (asked !== undefined) {
    const target = deployments.find((d) => d.id === asked)
    if (!target) {
      throw new CpoError(
        'DEPLOYMENT_NOT_FOUND',
        'notFound',
        `no production deployment ${asked} on ${where}`,
        { hint: 'See the production deployments with `cpo deploy list`.' },
      )
    }
    if (target.current) {
      throw new CpoError('DEPLOYMENT_SERVES', 'conflict', `${asked} serves production already`, {
        hint: 'Nothing to roll back; `cpo deploy list` shows the earlier ones.',
      })
    }
    if (!target.rollbackCandidate) {
      throw new CpoError(
        'DEPLOYMENT_NOT_CANDIDATE',
        'conflict',
        `${asked} cannot be a rollback target${target.notCandidateBecause ? `: ${target.notCandidateBecause}` : ''}`,
        { hint: 'Pick one marked as a candidate in `cpo deploy list`.' },
      )
    }
    return { target, current }
  }
  if (!current) {
    throw new CpoError(
      'NO_CURRENT_DEPLOYMENT',
      'conflict',
      `nothing serves production on ${where}, so there is no "previous" deployment`,
      { hint: 'Name the deployment to serve: `cpo rollback deploy --to <id> --reason …`.' },
    )
  }
  const older = deployments.slice(deployments.indexOf(current) + 1)
  const target = older.find((d) => d.rollbackCandidate)
  if (!target) {
    throw new CpoError(
      'NO_ROLLBACK_TARGET',
      'conflict',
      `no earlier production deployment on ${where} can be a rollback target (current: ${current.id})`,
      { hint: 'See why with `cpo deploy list`.' },
    )
  }
  return { target, current }
}
