/**
 * The one interface every hosting platform implements (ARCHITECTURE.md, "Deployments"). The ops
 * in src/ops/deploy/ see only this; a new platform is one module exporting `create` plus its
 * line in ./index.ts.
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

/** What a rollback or promote started; `follow` takes it to a final state. */
export interface PlatformJob {
  /** The deployment that will serve when the job succeeds. */
  deploymentId: string
  /** The platform's job or new deployment id, when it has one. */
  jobId?: string
  /** When the job was requested (ISO): jobs requested earlier are not this one. */
  requestedAt: string
}

export type JobState = 'pending' | 'running' | 'succeeded' | 'failed'

export interface JobResult {
  state: 'succeeded' | 'failed' | 'timeout'
  /** The platform's words for the final state. */
  detail?: string
  /** The deployment serving at the end, when the platform says. */
  servingId?: string
}

export interface FollowOptions {
  /** Gives up after this long: the job may still finish on the platform. */
  timeoutMs: number
  /** Called on every poll with the job's state and the time waited so far. */
  onProgress?: (state: JobState, elapsedMs: number) => void
  /** How long to wait between polls (the platforms' own CLIs poll every 250 ms to 2 s). */
  pollMs?: number
}

export interface RollbackOptions {
  reason?: string
  /** Netlify: lock the restored deploy so auto-publishing does not overwrite it. */
  lock?: boolean
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

/** One environment variable with its metadata. */
export interface EnvVar {
  key: string
  /** null when the platform does not give the value back (sensitive, encrypted secrets). */
  value: string | null
  type: 'plain' | 'secret' | 'sensitive' | 'system' | 'reference'
  /** production, preview, development, or the platform's environment names. */
  targets: string[]
  /** Branch-scoped variables (Vercel preview branches). */
  branch: string | null
  /** The platform's id for it, when it has one. */
  id?: string
}

export interface EnvVarInput {
  key: string
  value: string
  type?: EnvVar['type']
  targets: string[]
  branch?: string | null
}

/** Env vars on a platform that has an API for them. */
export interface EnvVarStore {
  list(): Promise<EnvVar[]>
  /** Writes without triggering a redeploy where the platform allows it. */
  upsert(vars: EnvVarInput[]): Promise<void>
  remove(v: EnvVar): Promise<void>
}

export interface Platform {
  readonly name: PlatformName
  /** What the platform calls the thing deployed (for messages): "project prj_1", "app demo". */
  readonly target: string
  /** Production deployments, newest first, at most `limit`. */
  list(options?: { limit?: number }): Promise<Deployment[]>
  /** The deployment serving production now, null when nothing does. */
  current(): Promise<Deployment | null>
  /** Starts a rollback of production to `target` (one of `list()`'s candidates). */
  rollback(target: Deployment, options?: RollbackOptions): Promise<PlatformJob>
  /**
   * Makes `deploymentId` serve production again: how a rollback is undone (Vercel promote,
   * Railway rollback to it, a symlink swap). Idempotent when it already serves.
   */
  promote(deploymentId: string): Promise<PlatformJob>
  /** Polls a job until it is final or the timeout passes. */
  follow(job: PlatformJob, options: FollowOptions): Promise<JobResult>
  /** What a rollback here does not do (databases are added by the op, for every platform). */
  pitfalls(): Pitfall[]
  /** Absent where the platform has no env-var API cpo uses. */
  readonly env?: EnvVarStore
}

/** What creating a platform needs: its config, the environment (tokens, base URLs), the repo. */
export interface PlatformContext {
  config: DeploymentConfig
  env: NodeJS.ProcessEnv
  /** The repository root (the `local` platform's path is relative to it). */
  root: string
}

/** Every platform module exports `create`. */
export interface PlatformModule {
  create(context: PlatformContext): Platform
}

/** A deployment counts as serving `id` when it is it, or re-serves it. */
export const serves = (d: Deployment | null, id: string): boolean =>
  d !== null && (d.id === id || d.copyOf === id)
