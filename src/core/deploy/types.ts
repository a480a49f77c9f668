/**
 * The data every platform adapter speaks in (src/adapters/platforms/types.ts has the interface):
 * pure types, so the core can pick targets and pitfalls without touching the world.
 */

/** Every platform cpo knows how to detect; an adapter may not exist yet for all of them. */
export const PLATFORM_NAMES = [
  'local',
  'vercel',
  'railway',
  'digitalocean',
  'netlify',
  'render',
  'heroku',
  'cloudflare',
] as const

export type PlatformName = (typeof PLATFORM_NAMES)[number]

/**
 * The `deployment` block of master-project.json or cpo.config.json, or what detection found.
 * Ids only, never a token: tokens come from the environment. Each platform reads the fields it
 * needs and says which one is missing.
 */
export interface DeploymentConfig {
  platform: PlatformName
  /** Vercel project id or name, Railway project, Cloudflare Pages project. */
  projectId?: string
  /** Vercel team (`?teamId=`). */
  teamId?: string
  /** Railway and Render service. */
  serviceId?: string
  /** Railway environment. */
  environmentId?: string
  /** DigitalOcean app id, Heroku app name. */
  appId?: string
  /** Netlify site. */
  siteId?: string
  /** Cloudflare or Netlify account. */
  accountId?: string
  /** Cloudflare Worker script name. */
  scriptName?: string
  /** Checked after a rollback and an undo: 2xx means healthy. */
  healthUrl?: string
  /** `local` only: the deploy directory, relative to the repository (default `.deploy`). */
  path?: string
}

/** A platform's state names mapped onto the few cpo reasons about. */
export type DeploymentState = 'ready' | 'building' | 'failed' | 'canceled' | 'removed' | 'unknown'

export interface Deployment {
  id: string
  /** ISO time the deployment was created. */
  createdAt: string
  /** The git commit it was built from, when the platform knows it. */
  commit: string | null
  url: string | null
  state: DeploymentState
  /** The platform's own state name, for reports. */
  rawState: string
  /** It serves production now. */
  current: boolean
  /** The platform would accept it as a rollback target. */
  rollbackCandidate: boolean
  /** Why it cannot be a rollback target, when it cannot. */
  notCandidateBecause?: string
  /**
   * The deployment this one re-serves, on platforms where a rollback creates a new deployment
   * (Railway): it counts as serving that one.
   */
  copyOf?: string
}

/**
 * The one rule every platform shares: the deployment serving now is never a rollback target;
 * another one is unless the platform's own reason (`unusable`) says why not.
 */
export function candidacy(
  current: boolean,
  unusable?: string,
): Pick<Deployment, 'current' | 'rollbackCandidate' | 'notCandidateBecause'> {
  const why = current ? 'it serves now' : unusable
  return {
    current,
    rollbackCandidate: why === undefined,
    ...(why ? { notCandidateBecause: why } : {}),
  }
}

/** One thing a rollback does not do, or does besides, printed after it. */
export interface Pitfall {
  code:
    | 'custom-domains-not-assigned'
    | 'env-not-rolled-back'
    | 'env-rolled-back'
    | 'database-not-rolled-back'
    | 'app-pinned'
    | 'auto-publish-overwrites'
    | 'autodeploy-on'
  message: string
}

/** A deployment counts as serving `id` when it is it, or re-serves it. */
export const serves = (d: Deployment | null, id: string): boolean =>
  d !== null && (d.id === id || d.copyOf === id)
