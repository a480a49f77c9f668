import { candidacy } from '../../core/deploy/types.js'
import { CpoError } from '../../errors.js'
import { baseUrlFor, collectPages, HttpClient, tokenFrom } from './http.js'
import type {
  Deployment,
  DeploymentState,
  EnvVar,
  EnvVarInput,
  EnvVarStore,
  FollowOptions,
  JobResult,
  Pitfall,
  Platform,
  PlatformContext,
  PlatformJob,
} from './types.js'

/**
 * Vercel over its REST API (the CLI does not install here). Production is whatever the
 * project's `targets.production` points to; a rollback or promote is an alias job the project
 * reports in `lastAliasRequest`, polled like the official CLI does.
 */

interface VercelDeployment {
  uid: string
  url?: string
  created: number
  state?: string
  readyState?: string
  target?: string | null
  isRollbackCandidate?: boolean
  meta?: { githubCommitSha?: string; gitlabCommitSha?: string; bitbucketCommitSha?: string }
}

interface AliasRequest {
  fromDeploymentId?: string | null
  toDeploymentId?: string
  jobStatus?: 'pending' | 'in-progress' | 'succeeded' | 'failed' | 'skipped'
  requestedAt?: number
  type?: 'rollback' | 'promote'
}

interface VercelProject {
  id: string
  targets?: { production?: { id?: string } }
  autoAssignCustomDomains?: boolean
  lastAliasRequest?: AliasRequest | null
}

const STATES: Record<string, DeploymentState> = {
  READY: 'ready',
  BUILDING: 'building',
  QUEUED: 'building',
  INITIALIZING: 'building',
  ERROR: 'failed',
  CANCELED: 'canceled',
  DELETED: 'removed',
}

export function create(context: PlatformContext): VercelPlatform {
  const project = context.config.projectId
  if (!project) {
    throw new CpoError(
      'DEPLOY_CONFIG_INVALID',
      'invalidInput',
      'the vercel deployment config has no projectId',
      {
        hint: 'Run `vercel link` (it writes .vercel/project.json) or add "projectId" to the "deployment" block.',
      },
    )
  }
  const http = new HttpClient({
    platform: 'vercel',
    baseUrl: baseUrlFor(context.env, 'vercel', 'https://api.vercel.com'),
    token: tokenFrom(context.env, 'vercel', ['VERCEL_TOKEN']),
  })
  return new VercelPlatform(http, project, context.config.teamId)
}

export class VercelPlatform implements Platform {
  readonly name = 'vercel' as const
  readonly target: string
  readonly env: EnvVarStore

  constructor(
    private readonly http: HttpClient,
    private readonly project: string,
    private readonly teamId: string | undefined,
  ) {
    this.target = `project ${project}${teamId ? ` (team ${teamId})` : ''}`
    this.env = new VercelEnv(http, project, this.team())
  }

  async list(options: { limit?: number } = {}): Promise<Deployment[]> {
    const limit = options.limit ?? 20
    const [raw, project] = await Promise.all([
      collectPages<VercelDeployment, number>(async (until) => {
        const { body } = await this.http.get<{
          deployments: VercelDeployment[]
          pagination?: { next?: number | null }
        }>('/v6/deployments', {
          query: {
            projectId: this.project,
            target: 'production',
            limit: Math.min(100, limit),
            until,
            ...this.team(),
          },
          notFound: `project ${this.project}`,
        })
        return { items: body.deployments ?? [], next: body.pagination?.next ?? undefined }
      }, limit),
      this.readProject(),
    ])
    const serving = project.targets?.production?.id ?? null
    return raw.map((d) => toDeployment(d, serving))
  }

  async current(): Promise<Deployment | null> {
    const project = await this.readProject()
    const id = project.targets?.production?.id
    if (!id) return null
    const { body } = await this.http.get<VercelDeployment & { id?: string; createdAt?: number }>(
      `/v13/deployments/${encodeURIComponent(id)}`,
      { query: this.team(), notFound: `deployment ${id}` },
    )
    return toDeployment(
      { ...body, uid: body.uid ?? body.id ?? id, created: body.created ?? body.createdAt ?? 0 },
      id,
    )
  }

  /**
   * The route the official CLI uses (`/v9/…/rollback`, polled through `lastAliasRequest`);
   * where it does not exist (404 with no such route), the documented `/v1/…` one.
   */
  async rollback(target: Deployment, options: { reason?: string } = {}): Promise<PlatformJob> {
    const requestedAt = new Date().toISOString()
    const p = encodeURIComponent(this.project)
    const d = encodeURIComponent(target.id)
    try {
      await this.http.post(`/v9/projects/${p}/rollback/${d}`, {
        query: this.team(),
        body: {},
        notFound: `deployment ${target.id} in project ${this.project}`,
      })
    } catch (error) {
      if (!(error instanceof CpoError) || error.code !== 'PLATFORM_NOT_FOUND') throw error
      await this.http.post(`/v1/projects/${p}/rollback/${d}`, {
        query: { ...this.team(), ...(options.reason ? { description: options.reason } : {}) },
        notFound: `deployment ${target.id} in project ${this.project}`,
      })
    }
    return { deploymentId: target.id, requestedAt }
  }

  async promote(deploymentId: string): Promise<PlatformJob> {
    const requestedAt = new Date().toISOString()
    await this.http.post(
      `/v10/projects/${encodeURIComponent(this.project)}/promote/${encodeURIComponent(deploymentId)}`,
      {
        query: this.team(),
        body: {},
        notFound: `deployment ${deploymentId} in project ${this.project}`,
      },
    )
    return { deploymentId, requestedAt }
  }

  async follow(job: PlatformJob, options: FollowOptions): Promise<JobResult> {
    const started = Date.now()
    const pollMs = options.pollMs ?? 250
    for (;;) {
      const project = await this.readProject()
      const alias = project.lastAliasRequest
      const serving = project.targets?.production?.id
      const mine = alias?.toDeploymentId === job.deploymentId
      const status = mine ? alias?.jobStatus : undefined
      const elapsed = Date.now() - started
      if (
        status === 'succeeded' ||
        status === 'skipped' ||
        (!mine && serving === job.deploymentId)
      ) {
        options.onProgress?.('succeeded', elapsed)
        return {
          state: 'succeeded',
          ...(serving ? { servingId: serving } : {}),
          ...(status ? { detail: status } : {}),
        }
      }
      if (status === 'failed') {
        options.onProgress?.('failed', elapsed)
        return {
          state: 'failed',
          detail: 'the alias job failed',
          ...(serving ? { servingId: serving } : {}),
        }
      }
      options.onProgress?.(status === 'in-progress' ? 'running' : 'pending', elapsed)
      if (elapsed >= options.timeoutMs) {
        return {
          state: 'timeout',
          detail: `job ${status ?? 'not started'}`,
          ...(serving ? { servingId: serving } : {}),
        }
      }
      await new Promise((r) =>
        setTimeout(r, Math.min(pollMs, Math.max(1, options.timeoutMs - elapsed))),
      )
    }
  }

  pitfalls(): Pitfall[] {
    return [
      {
        code: 'custom-domains-not-assigned',
        message:
          'after a rollback Vercel stops assigning custom domains to new production deployments until one is promoted: deploy the fix, then `cpo deploy promote <id>`',
      },
      {
        code: 'env-not-rolled-back',
        message:
          'environment variables are not rolled back: the old build runs with the current ones',
      },
    ]
  }

  private readProject(): Promise<VercelProject> {
    return this.http
      .get<VercelProject>(`/v9/projects/${encodeURIComponent(this.project)}`, {
        query: this.team(),
        notFound: `project ${this.project}`,
      })
      .then((r) => r.body)
  }

  private team(): Record<string, string> {
    return this.teamId ? { teamId: this.teamId } : {}
  }
}

function toDeployment(d: VercelDeployment, serving: string | null): Deployment {
  const raw = d.state ?? d.readyState ?? 'UNKNOWN'
  const state = STATES[raw] ?? 'unknown'
  const current = d.uid === serving
  const commit =
    d.meta?.githubCommitSha ?? d.meta?.gitlabCommitSha ?? d.meta?.bitbucketCommitSha ?? null
  return {
    id: d.uid,
    createdAt: new Date(d.created).toISOString(),
    commit,
    url: d.url ? `https://${d.url}` : null,
    state,
    rawState: raw,
    ...candidacy(
      current,
      state !== 'ready'
        ? `it is ${raw}`
        : d.isRollbackCandidate === false
          ? 'Vercel does not offer it as a rollback candidate'
          : undefined,
    ),
  }
}

interface VercelEnvVar {
  id: string
  key: string
  value?: string
  type: 'plain' | 'encrypted' | 'system' | 'sensitive' | 'secret'
  target?: string[] | string
  gitBranch?: string | null
}

/** Env vars: the list's decrypted values are unreliable, so each is read on its own. */
class VercelEnv implements EnvVarStore {
  constructor(
    private readonly http: HttpClient,
    private readonly project: string,
    private readonly team: Record<string, string>,
  ) {}

  async list(): Promise<EnvVar[]> {
    const p = encodeURIComponent(this.project)
    const { body } = await this.http.get<{ envs: VercelEnvVar[] }>(`/v10/projects/${p}/env`, {
      query: { ...this.team, decrypt: 'true' },
      notFound: `project ${this.project}`,
    })
    return Promise.all(
      (body.envs ?? []).map(async (e) => {
        let value: string | null = null
        if (e.type !== 'sensitive') {
          const one = await this.http.get<VercelEnvVar>(
            `/v1/projects/${p}/env/${encodeURIComponent(e.id)}`,
            {
              query: this.team,
              notFound: `env var ${e.key}`,
            },
          )
          value = one.body.value ?? null
        }
        return {
          key: e.key,
          value,
          type:
            e.type === 'encrypted' || e.type === 'secret'
              ? 'secret'
              : e.type === 'sensitive'
                ? 'sensitive'
                : e.type === 'system'
                  ? 'system'
                  : 'plain',
          targets: Array.isArray(e.target) ? e.target : e.target ? [e.target] : [],
          branch: e.gitBranch ?? null,
          id: e.id,
        } satisfies EnvVar
      }),
    )
  }

  async upsert(vars: EnvVarInput[]): Promise<void> {
    if (vars.length === 0) return
    await this.http.post(`/v10/projects/${encodeURIComponent(this.project)}/env`, {
      query: { ...this.team, upsert: 'true' },
      body: vars.map((v) => ({
        key: v.key,
        value: v.value,
        type: v.type === 'sensitive' ? 'sensitive' : v.type === 'plain' ? 'plain' : 'encrypted',
        target: v.targets,
        ...(v.branch ? { gitBranch: v.branch } : {}),
      })),
      idempotent: true,
    })
  }

  async remove(v: EnvVar): Promise<void> {
    if (!v.id) throw new Error(`vercel env var ${v.key} has no id`)
    await this.http.request(
      'DELETE',
      `/v9/projects/${encodeURIComponent(this.project)}/env/${encodeURIComponent(v.id)}`,
      { query: this.team, notFound: `env var ${v.key}`, idempotent: true },
    )
  }
}
