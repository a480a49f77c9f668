import { candidacy } from '../../core/deploy/types.js'
import { baseUrlFor, HttpClient, tokenFrom } from './http.js'
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
 * Heroku (README.md, "Deployments"): a rollback is a new release made from an old one
 * (`POST /apps/{app}/releases {"release": id}`), which brings back that release's code and
 * config vars. Every request carries the version-3 Accept header; lists are paged with
 * `Range`/`Next-Range`.
 */

const ACCEPT = 'application/vnd.heroku+json; version=3'

interface HerokuRelease {
  id: string
  version: number
  status?: string
  current?: boolean
  created_at?: string
  description?: string
  slug?: { id: string } | null
}

const STATE: Record<string, DeploymentState> = {
  succeeded: 'ready',
  failed: 'failed',
  pending: 'building',
  expired: 'removed',
}

export function create(context: PlatformContext): HerokuPlatform {
  const http = new HttpClient({
    platform: 'heroku',
    baseUrl: baseUrlFor(context.env, 'heroku', 'https://api.heroku.com'),
    token: tokenFrom(context.env, 'Heroku', ['HEROKU_API_KEY']),
    headers: { accept: ACCEPT },
  })
  return new HerokuPlatform(
    http,
    requireId(
      context.config.appId,
      'heroku',
      'appId',
      'the app name (the heroku git remote names it)',
    ),
  )
}

export class HerokuPlatform implements Platform {
  readonly name = 'heroku' as const
  readonly target: string
  readonly env: EnvVarStore

  constructor(
    readonly http: HttpClient,
    readonly app: string,
  ) {
    this.target = `app ${app}`
    this.env = new HerokuEnvStore(this)
  }

  get base(): string {
    return `/apps/${encodeURIComponent(this.app)}`
  }

  async releases(limit: number): Promise<HerokuRelease[]> {
    const out: HerokuRelease[] = []
    let range: string | undefined = `version ..; order=desc, max=${Math.min(limit, 1000)}`
    for (let page = 0; range && out.length < limit && page < 100; page++) {
      const r: { headers: Headers; body: HerokuRelease[] } = await this.http.get<HerokuRelease[]>(
        `${this.base}/releases`,
        { headers: { range }, notFound: `app ${this.app}` },
      )
      out.push(...(r.body ?? []))
      range = r.headers.get('next-range') ?? undefined
      if ((r.body ?? []).length === 0) break
    }
    return out.slice(0, limit)
  }

  async list(options: { limit?: number } = {}): Promise<Deployment[]> {
    const releases = await this.releases(options.limit ?? 100)
    return releases.map((r) => this.deployment(r, releases))
  }

  async current(): Promise<Deployment | null> {
    const releases = await this.releases(100)
    const found = releases.find((r) => r.current)
    return found ? this.deployment(found, releases) : null
  }

  async rollback(target: Deployment): Promise<PlatformJob> {
    return this.promote(target.id)
  }

  async promote(deploymentId: string): Promise<PlatformJob> {
    const requestedAt = new Date().toISOString()
    const r = await this.http.post<HerokuRelease>(`${this.base}/releases`, {
      body: { release: deploymentId },
      notFound: `release ${deploymentId}`,
    })
    return { deploymentId, ...(r.body?.id ? { jobId: r.body.id } : {}), requestedAt }
  }

  async follow(job: PlatformJob, options: FollowOptions): Promise<JobResult> {
    const id = job.jobId ?? job.deploymentId
    return pollJob(async () => {
      const r = await this.http.get<HerokuRelease>(
        `${this.base}/releases/${encodeURIComponent(id)}`,
        {
          notFound: `release ${id}`,
        },
      )
      const status = r.body.status ?? 'unknown'
      if (status === 'succeeded')
        return { state: 'succeeded', servingId: id, detail: `v${r.body.version}` }
      if (status === 'failed' || status === 'expired') {
        return { state: 'failed', detail: `release v${r.body.version} ${status}` }
      }
      return { state: 'running', detail: status }
    }, options)
  }

  pitfalls(): Pitfall[] {
    return [
      {
        code: 'env-rolled-back',
        message:
          "config vars were rolled back too: the app runs with the old release's config vars (a rollback of the rollback brings the newer ones back)",
      },
    ]
  }

  /** "Rollback to v41" names the release a rollback re-serves. */
  private deployment(r: HerokuRelease, all: HerokuRelease[]): Deployment {
    const status = r.status ?? 'unknown'
    const current = r.current === true
    const usable = status === 'succeeded' && r.slug !== null
    const back = /^Rollback to v(\d+)/.exec(r.description ?? '')?.[1]
    const copyOf = back ? all.find((x) => x.version === Number(back))?.id : undefined
    return {
      id: r.id,
      createdAt: r.created_at ?? '',
      commit: null,
      url: null,
      state: STATE[status] ?? 'unknown',
      rawState: `v${r.version} ${status}`,
      ...candidacy(
        current,
        usable
          ? undefined
          : r.slug === null
            ? 'it has no slug (config-only release)'
            : `it ${status}`,
      ),
      ...(copyOf ? { copyOf } : {}),
    }
  }
}

/**
 * Config vars are one map per app (target "app"). Every write makes a new release and restarts
 * the dynos: Heroku has no way around that.
 */
class HerokuEnvStore implements EnvVarStore {
  constructor(private readonly p: HerokuPlatform) {}

  async list(): Promise<EnvVar[]> {
    const r = await this.p.http.get<Record<string, string>>(`${this.p.base}/config-vars`, {
      notFound: `app ${this.p.app}`,
    })
    return Object.entries(r.body ?? {}).map(([key, value]) => ({
      key,
      value,
      type: 'plain' as const,
      targets: ['app'],
      branch: null,
    }))
  }

  async upsert(vars: EnvVarInput[]): Promise<void> {
    if (vars.length === 0) return
    await this.patch(Object.fromEntries(vars.map((v) => [v.key, v.value])))
  }

  async remove(v: EnvVar): Promise<void> {
    await this.patch({ [v.key]: null })
  }

  private async patch(body: Record<string, string | null>): Promise<void> {
    await this.p.http.request('PATCH', `${this.p.base}/config-vars`, {
      body,
      idempotent: true,
      notFound: `app ${this.p.app}`,
    })
  }
}
