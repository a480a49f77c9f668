import { candidacy } from '../../core/deploy/types.js'
import { baseUrlFor, collectPages, HttpClient, tokenFrom } from './http.js'
import { pollJob, requireId } from './poll.js'
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
 * Render (README.md, "Deployments"): `POST /v1/services/{id}/rollback {deployId}` starts a new
 * deploy of the old build; it is followed until it is live. Autodeploy stays on, so the next
 * push deploys over the rollback.
 */

interface RenderDeploy {
  id: string
  status?: string
  trigger?: string
  createdAt?: string
  finishedAt?: string | null
  commit?: { id?: string } | null
}

const STATE: Record<string, DeploymentState> = {
  live: 'ready',
  deactivated: 'ready',
  build_failed: 'failed',
  update_failed: 'failed',
  pre_deploy_failed: 'failed',
  canceled: 'canceled',
  created: 'building',
  queued: 'building',
  build_in_progress: 'building',
  update_in_progress: 'building',
  pre_deploy_in_progress: 'building',
}

const FAILED = new Set([
  'build_failed',
  'update_failed',
  'pre_deploy_failed',
  'canceled',
  'deactivated',
])

export function create(context: PlatformContext): RenderPlatform {
  const http = new HttpClient({
    platform: 'render',
    baseUrl: baseUrlFor(context.env, 'render', 'https://api.render.com'),
    token: tokenFrom(context.env, 'Render', ['RENDER_API_KEY']),
  })
  return new RenderPlatform(
    http,
    requireId(context.config.serviceId, 'render', 'serviceId', 'the service id, srv-…'),
  )
}

export class RenderPlatform implements Platform {
  readonly name = 'render' as const
  readonly target: string
  readonly env: EnvVarStore

  constructor(
    readonly http: HttpClient,
    readonly serviceId: string,
  ) {
    this.target = `service ${serviceId}`
    this.env = new RenderEnvStore(this)
  }

  get base(): string {
    return `/v1/services/${encodeURIComponent(this.serviceId)}`
  }

  async list(options: { limit?: number } = {}): Promise<Deployment[]> {
    const deploys = await collectPages<RenderDeploy, string>(async (cursor) => {
      const r = await this.http.get<Array<{ deploy: RenderDeploy; cursor?: string }>>(
        `${this.base}/deploys`,
        { query: { limit: 100, cursor }, notFound: `service ${this.serviceId}` },
      )
      const page = r.body ?? []
      return { items: page.map((x) => x.deploy), next: page.at(-1)?.cursor }
    }, options.limit ?? 100)
    return deploys.map((d, i) => this.deployment(d, deploys.slice(i + 1)))
  }

  async current(): Promise<Deployment | null> {
    const list = await this.list({ limit: 100 })
    return list.find((d) => d.current) ?? null
  }

  async rollback(target: Deployment): Promise<PlatformJob> {
    return this.promote(target.id)
  }

  async promote(deploymentId: string): Promise<PlatformJob> {
    const requestedAt = new Date().toISOString()
    const r = await this.http.post<RenderDeploy>(`${this.base}/rollback`, {
      body: { deployId: deploymentId },
      notFound: `deploy ${deploymentId}`,
    })
    return { deploymentId, ...(r.body?.id ? { jobId: r.body.id } : {}), requestedAt }
  }

  async follow(job: PlatformJob, options: FollowOptions): Promise<JobResult> {
    const id = job.jobId ?? job.deploymentId
    return pollJob(async () => {
      const r = await this.http.get<RenderDeploy>(
        `${this.base}/deploys/${encodeURIComponent(id)}`,
        {
          notFound: `deploy ${id}`,
        },
      )
      const status = r.body.status ?? 'unknown'
      if (status === 'live') return { state: 'succeeded', servingId: id, detail: status }
      if (FAILED.has(status)) return { state: 'failed', detail: `deploy ${id} is ${status}` }
      return {
        state: status === 'created' || status === 'queued' ? 'pending' : 'running',
        detail: status,
      }
    }, options)
  }

  pitfalls(): Pitfall[] {
    return [
      {
        code: 'autodeploy-on',
        message:
          'autodeploy is still on: the next push to the branch deploys over this rollback (turn it off in the service settings until the fix lands)',
      },
      {
        code: 'env-not-rolled-back',
        message:
          'environment variables are not rolled back: the old build runs with the current ones',
      },
    ]
  }

  /**
   * A rollback deploy re-serves an older deploy: the newest older one with the same commit
   * (Render's deploy objects do not name it).
   */
  private deployment(d: RenderDeploy, older: RenderDeploy[]): Deployment {
    const status = d.status ?? 'unknown'
    const current = status === 'live'
    const usable = status === 'live' || status === 'deactivated'
    const commit = d.commit?.id ?? null
    const copyOf =
      d.trigger === 'rollback' && commit
        ? older.find((o) => o.commit?.id === commit && o.trigger !== 'rollback')?.id
        : undefined
    return {
      id: d.id,
      createdAt: d.createdAt ?? '',
      commit,
      url: null,
      state: STATE[status] ?? 'unknown',
      rawState: status,
      ...candidacy(current, usable ? undefined : `its status is ${status}`),
      ...(copyOf ? { copyOf } : {}),
    }
  }
}

/**
 * Render's env vars are one set per service (target "service"). `PUT` replaces the whole set,
 * so an upsert writes the current set with the changes; Render does not redeploy on it.
 */
class RenderEnvStore implements EnvVarStore {
  constructor(private readonly p: RenderPlatform) {}

  async list(): Promise<EnvVar[]> {
    const items = await collectPages<{ key: string; value: string }, string>(async (cursor) => {
      const r = await this.p.http.get<
        Array<{ envVar: { key: string; value: string }; cursor?: string }>
      >(`${this.p.base}/env-vars`, {
        query: { limit: 100, cursor },
        notFound: `service ${this.p.serviceId}`,
      })
      const page = r.body ?? []
      return { items: page.map((x) => x.envVar), next: page.at(-1)?.cursor }
    })
    return items.map((e) => ({
      key: e.key,
      value: e.value,
      type: 'plain' as const,
      targets: ['service'],
      branch: null,
    }))
  }

  async upsert(vars: EnvVarInput[]): Promise<void> {
    const now = new Map((await this.list()).map((v) => [v.key, v.value ?? '']))
    for (const v of vars) now.set(v.key, v.value)
    await this.put(now)
  }

  async remove(v: EnvVar): Promise<void> {
    const now = new Map((await this.list()).map((x) => [x.key, x.value ?? '']))
    if (!now.delete(v.key)) return
    await this.put(now)
  }

  private async put(vars: Map<string, string>): Promise<void> {
    await this.p.http.request('PUT', `${this.p.base}/env-vars`, {
      body: [...vars].map(([key, value]) => ({ key, value })),
      idempotent: true,
      notFound: `service ${this.p.serviceId}`,
    })
  }
}
