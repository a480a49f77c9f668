import { candidacy } from '../../core/deploy/types.js'
import { CpoError } from '../../errors.js'
import { baseUrlFor, collectPages, HttpClient, nextLink, tokenFrom } from './http.js'
import { missingId, pollJob, requireId } from './poll.js'
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
  RollbackOptions,
} from './types.js'

/**
 * Netlify (README.md, "Deployments"): a rollback restores an earlier production deploy; with
 * auto-publishing on, the next git deploy publishes over it unless the deploy is locked
 * (`--lock`, `POST /api/v1/deploys/{id}/lock`). Env vars live on the account, scoped to the
 * site (`?site_id=`), one value per deploy context.
 */

interface NetlifyDeploy {
  id: string
  state?: string
  created_at?: string
  commit_ref?: string | null
  context?: string
  deploy_ssl_url?: string
  ssl_url?: string
  locked?: boolean | null
  error_message?: string | null
}

interface NetlifySite {
  id: string
  published_deploy?: NetlifyDeploy | null
}

interface NetlifyEnv {
  key: string
  is_secret?: boolean
  scopes?: string[]
  values?: Array<{ id?: string; value?: string; context?: string; context_parameter?: string }>
}

const STATE: Record<string, DeploymentState> = {
  ready: 'ready',
  error: 'failed',
  rejected: 'failed',
  building: 'building',
  enqueued: 'building',
  uploading: 'building',
  processing: 'building',
  new: 'building',
}

export function create(context: PlatformContext): NetlifyPlatform {
  const http = new HttpClient({
    platform: 'netlify',
    baseUrl: baseUrlFor(context.env, 'netlify', 'https://api.netlify.com'),
    token: tokenFrom(context.env, 'Netlify', ['NETLIFY_AUTH_TOKEN']),
  })
  return new NetlifyPlatform(
    http,
    requireId(context.config.siteId, 'netlify', 'siteId', 'the site id, in .netlify/state.json'),
    context.config.accountId,
  )
}

export class NetlifyPlatform implements Platform {
  readonly name = 'netlify' as const
  readonly target: string
  readonly env: EnvVarStore

  constructor(
    readonly http: HttpClient,
    readonly siteId: string,
    readonly accountId: string | undefined,
  ) {
    this.target = `site ${siteId}`
    this.env = new NetlifyEnvStore(this)
  }

  private get site(): string {
    return `/api/v1/sites/${encodeURIComponent(this.siteId)}`
  }

  async getSite(): Promise<NetlifySite> {
    return (await this.http.get<NetlifySite>(this.site, { notFound: `site ${this.siteId}` })).body
  }

  async list(options: { limit?: number } = {}): Promise<Deployment[]> {
    const [site, deploys] = await Promise.all([
      this.getSite(),
      collectPages<NetlifyDeploy, string>(async (cursor) => {
        const r = await this.http.get<NetlifyDeploy[]>(cursor ?? `${this.site}/deploys`, {
          ...(cursor ? {} : { query: { production: true, per_page: 100 } }),
          notFound: `site ${this.siteId}`,
        })
        return { items: r.body ?? [], next: nextLink(r.headers.get('link')) }
      }, options.limit ?? 100),
    ])
    const serving = site.published_deploy?.id
    return deploys
      .filter((d) => d.context === undefined || d.context === 'production')
      .map((d) => this.deployment(d, serving))
  }

  async current(): Promise<Deployment | null> {
    const site = await this.getSite()
    const d = site.published_deploy
    return d ? this.deployment(d, d.id) : null
  }

  async rollback(target: Deployment, options: RollbackOptions = {}): Promise<PlatformJob> {
    const job = await this.promote(target.id)
    if (options.lock) {
      await this.http.post(`/api/v1/deploys/${encodeURIComponent(target.id)}/lock`, {
        body: {},
        idempotent: true,
        notFound: `deploy ${target.id}`,
      })
    }
    return job
  }

  async promote(deploymentId: string): Promise<PlatformJob> {
    const requestedAt = new Date().toISOString()
    const site = await this.getSite()
    if (site.published_deploy?.id !== deploymentId) {
      // A restore of a deploy under a locked one would be overwritten by nothing, but the lock
      // stays on the old deploy: unlock it so the restored one is what serves.
      if (site.published_deploy?.locked) {
        await this.http.post(
          `/api/v1/deploys/${encodeURIComponent(site.published_deploy.id)}/unlock`,
          { body: {}, idempotent: true },
        )
      }
      await this.http.post(`${this.site}/deploys/${encodeURIComponent(deploymentId)}/restore`, {
        body: {},
        idempotent: true,
        notFound: `deploy ${deploymentId}`,
      })
    }
    return { deploymentId, requestedAt }
  }

  async follow(job: PlatformJob, options: FollowOptions): Promise<JobResult> {
    return pollJob(async () => {
      const site = await this.getSite()
      const serving = site.published_deploy?.id
      return serving === job.deploymentId
        ? { state: 'succeeded', servingId: serving }
        : { state: 'running', detail: `published: ${serving ?? 'nothing'}` }
    }, options)
  }

  pitfalls(): Pitfall[] {
    return [
      {
        code: 'auto-publish-overwrites',
        message:
          'with auto-publishing on, the next git deploy publishes over this rollback unless the deploy is locked (run the rollback with --lock, or lock it in the Netlify dashboard)',
      },
      {
        code: 'env-not-rolled-back',
        message:
          'environment variables are not rolled back: the old deploy runs with the current ones',
      },
    ]
  }

  envPath(key?: string): string {
    const account = this.accountId
    if (!account)
      throw missingId('netlify', 'accountId', 'the account slug or id the site belongs to')
    return `/api/v1/accounts/${encodeURIComponent(account)}/env${key === undefined ? '' : `/${encodeURIComponent(key)}`}`
  }

  private deployment(d: NetlifyDeploy, serving: string | undefined): Deployment {
    const raw = d.state ?? 'unknown'
    const current = d.id === serving
    const ready = raw === 'ready'
    return {
      id: d.id,
      createdAt: d.created_at ?? '',
      commit: d.commit_ref ?? null,
      url: d.deploy_ssl_url ?? d.ssl_url ?? null,
      state: STATE[raw] ?? 'unknown',
      rawState: d.locked ? `${raw} (locked)` : raw,
      ...candidacy(current, ready ? undefined : `its state is ${raw}`),
    }
  }
}

/**
 * One cpo variable per (key, context): Netlify's `all` context is target "all", a branch value
 * is target "branch" with its branch name. Secret values are not given back: not recoverable.
 */
class NetlifyEnvStore implements EnvVarStore {
  constructor(private readonly p: NetlifyPlatform) {}

  async list(): Promise<EnvVar[]> {
    const r = await this.p.http.get<NetlifyEnv[]>(this.p.envPath(), {
      query: { site_id: this.p.siteId },
      notFound: `account ${this.p.accountId}`,
    })
    const out: EnvVar[] = []
    for (const e of r.body ?? []) {
      for (const v of e.values ?? []) {
        const secret = e.is_secret === true
        out.push({
          key: e.key,
          value: secret ? null : (v.value ?? ''),
          type: secret ? 'sensitive' : 'plain',
          targets: [v.context ?? 'all'],
          branch: v.context === 'branch' ? (v.context_parameter ?? null) : null,
          ...(v.id ? { id: v.id } : {}),
        })
      }
    }
    return out
  }

  async upsert(vars: EnvVarInput[]): Promise<void> {
    const existing = new Set((await this.list()).map((v) => v.key))
    const fresh = new Map<string, EnvVarInput[]>()
    for (const v of vars) {
      if (existing.has(v.key)) {
        for (const context of v.targets) {
          await this.p.http.request('PATCH', this.p.envPath(v.key), {
            query: { site_id: this.p.siteId },
            body: {
              context,
              value: v.value,
              ...(context === 'branch' && v.branch ? { context_parameter: v.branch } : {}),
            },
            idempotent: true,
            notFound: `variable ${v.key}`,
          })
        }
      } else fresh.set(v.key, [...(fresh.get(v.key) ?? []), v])
    }
    if (fresh.size === 0) return
    const body = [...fresh].map(([key, list]) => ({
      key,
      ...(list.some((v) => v.type === 'secret' || v.type === 'sensitive')
        ? { is_secret: true }
        : {}),
      values: list.flatMap((v) =>
        v.targets.map((context) => ({
          context,
          value: v.value,
          ...(context === 'branch' && v.branch ? { context_parameter: v.branch } : {}),
        })),
      ),
    }))
    await this.p.http.post(this.p.envPath(), {
      query: { site_id: this.p.siteId },
      body,
      notFound: `account ${this.p.accountId}`,
    })
  }

  /** The key goes with its last value; otherwise only this context's value goes. */
  async remove(v: EnvVar): Promise<void> {
    const values = (await this.list()).filter((x) => x.key === v.key)
    const own = values.find((x) => sameTarget(x, v))
    if (!own) return
    const where =
      values.length === 1
        ? this.p.envPath(v.key)
        : own.id
          ? `${this.p.envPath(v.key)}/value/${encodeURIComponent(own.id)}`
          : undefined
    if (where === undefined) {
      throw new CpoError(
        'PLATFORM_REJECTED',
        'external',
        `Netlify gave no id for the ${own.targets.join(', ')} value of ${v.key}: it cannot be removed alone`,
        { hint: 'Remove that value in the Netlify dashboard, then run again.' },
      )
    }
    await this.p.http.request('DELETE', where, {
      query: { site_id: this.p.siteId },
      idempotent: true,
      notFound: `variable ${v.key}`,
    })
  }
}

const sameTarget = (a: EnvVar, b: EnvVar): boolean =>
  a.targets.join(',') === b.targets.join(',') && (a.branch ?? '') === (b.branch ?? '')
