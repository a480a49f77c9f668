/**
 * The one interface every hosting platform implements (ARCHITECTURE.md, "Deployments"). The ops
 * in src/ops/deploy/ see only this; a new platform is one module exporting `create` plus its
 * line in ./index.ts.
 */

export type {
  Deployment,
  DeploymentConfig,
  DeploymentState,
  Pitfall,
  PlatformName,
} from '../../core/deploy/types.js'
export { PLATFORM_NAMES, serves } from '../../core/deploy/types.js'

import type {
  Deployment,
  DeploymentConfig,
  Pitfall,
  PlatformName,
} from '../../core/deploy/types.js'

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
  /**
   * Takes production offline: only where "nothing served before" can be true (undoing the
   * first `local` publish).
   */
  stopServing?(): Promise<void>
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
