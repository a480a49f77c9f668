import { candidacy } from '../../core/deploy/types.js'
import { CpoError } from '../../errors.js'
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
  RollbackOptions,
} from './types.js'

/**
 * DigitalOcean App Platform (README.md, "Deployments"). A rollback is validated first, then
 * made; it creates a new deployment and pins the app to it (new deploys are blocked) until
 * `rollback/commit` keeps it or `rollback/revert` undoes it (`cpo deploy commit|revert`).
 */

interface DoDeployment {
  id: string
  cause?: string
  phase?: string
  created_at?: string
  services?: Array<{ name?: string; source_commit_hash?: string }>
}

interface DoEnv {
  key: string
  value?: string
  scope?: string
  type?: 'GENERAL' | 'SECRET'
}

type DoSpec = Record<string, unknown> & { envs?: DoEnv[] }

interface DoApp {
  id: string
  spec?: DoSpec
  active_deployment?: { id: string } | null
  pinned_deployment?: { id: string } | null
  live_url?: string
}

const COMPONENTS = ['services', 'workers', 'jobs', 'static_sites', 'functions'] as const

const STATE: Record<string, DeploymentState> = {
  ACTIVE: 'ready',
  SUPERSEDED: 'ready',
  ERROR: 'failed',
  CANCELED: 'canceled',
  PENDING_BUILD: 'building',
  BUILDING: 'building',
  PENDING_DEPLOY: 'building',
  DEPLOYING: 'building',
}

export function create(context: PlatformContext): DigitalOceanPlatform {
  const token = tokenFrom(context.env, 'DigitalOcean', [
    'DIGITALOCEAN_TOKEN',
    'DIGITALOCEAN_ACCESS_TOKEN',
  ])
  const http = new HttpClient({
    platform: 'digitalocean',
    baseUrl: baseUrlFor(context.env, 'digitalocean', 'https://api.digitalocean.com'),
    token,
  })
  return new DigitalOceanPlatform(
    http,
    requireId(context.config.appId, 'digitalocean', 'appId', 'the App Platform app id'),
  )
}

export class DigitalOceanPlatform implements Platform {
  readonly name = 'digitalocean' as const
  readonly target: string
  readonly env: EnvVarStore

  constructor(
    private readonly http: HttpClient,
    private readonly appId: string,
  ) {
    this.target = `app ${appId}`
    this.env = new DoEnvStore(this)
  }

  private get base(): string {
    return `/v2/apps/${encodeURIComponent(this.appId)}`
  }

  async app(): Promise<DoApp> {
    const r = await this.http.get<{ app: DoApp }>(this.base, { notFound: `app ${this.appId}` })
    return r.body.app
  }

  async list(options: { limit?: number } = {}): Promise<Deployment[]> {
    const [app, deployments] = await Promise.all([
      this.app(),
      collectPages<DoDeployment, number>(async (page) => {
        const r = await this.http.get<{
          deployments?: DoDeployment[]
          links?: { pages?: { next?: string } }
        }>(`${this.base}/deployments`, {
          query: { page: page ?? 1, per_page: 50 },
          notFound: `app ${this.appId}`,
        })
        const next = r.body.links?.pages?.next
        return { items: r.body.deployments ?? [], next: next ? (page ?? 1) + 1 : undefined }
      }, options.limit ?? 100),
    ])
    const active = app.active_deployment?.id
    return deployments.map((d) => this.deployment(d, active))
  }

  async current(): Promise<Deployment | null> {
    const app = await this.app()
    const id = app.active_deployment?.id
    if (!id) return null
    return this.deployment(await this.getDeployment(id), id)
  }

  async rollback(target: Deployment, _options: RollbackOptions = {}): Promise<PlatformJob> {
    return this.rollbackTo(target.id, false)
  }

  /**
   * Undoing a rollback: while the app is pinned by it, `rollback/revert` is the exact undo;
   * otherwise a rollback to the deployment, unpinned, so the undo leaves no pin behind.
   */
  async promote(deploymentId: string): Promise<PlatformJob> {
    const app = await this.app()
    if (app.active_deployment?.id === deploymentId) {
      return { deploymentId, requestedAt: new Date().toISOString() }
    }
    if (app.pinned_deployment) {
      const previous = await this.deploymentBeforePin(app)
      if (previous === deploymentId) return this.revert(deploymentId)
    }
    return this.rollbackTo(deploymentId, true)
  }

  async follow(job: PlatformJob, options: FollowOptions): Promise<JobResult> {
    const id = job.jobId
    if (id === undefined) {
      return pollJob(async () => {
        const app = await this.app()
        const serving = app.active_deployment?.id
        return serving === job.deploymentId
          ? { state: 'succeeded', servingId: serving }
          : { state: 'running' }
      }, options)
    }
    return pollJob(async () => {
      const d = await this.getDeployment(id)
      const phase = d.phase ?? 'UNKNOWN'
      if (phase === 'ACTIVE') return { state: 'succeeded', servingId: d.id, detail: phase }
      if (phase === 'ERROR' || phase === 'CANCELED' || phase === 'SUPERSEDED') {
        return { state: 'failed', detail: `deployment ${d.id} is ${phase}` }
      }
      return { state: phase.startsWith('PENDING') ? 'pending' : 'running', detail: phase }
    }, options)
  }

  pitfalls(): Pitfall[] {
    return [
      {
        code: 'app-pinned',
        message:
          'the app stays pinned to the rolled-back deployment (new deploys are blocked) until `cpo deploy commit` keeps it or `cpo deploy revert` undoes it',
      },
      {
        code: 'env-not-rolled-back',
        message:
          'environment variables are not rolled back: the old code runs with the current ones',
      },
    ]
  }

  /** Keeps the rollback: unpins the app so deploys run again. */
  async commit(): Promise<void> {
    await this.requirePinned('commit')
    await this.http.post(`${this.base}/rollback/commit`, {
      body: {},
      notFound: `app ${this.appId}`,
    })
  }

  /** Undoes the pinned rollback: DigitalOcean deploys what served before it. */
  async revert(deploymentId?: string): Promise<PlatformJob> {
    const app = await this.requirePinned('revert')
    const before = deploymentId ?? (await this.deploymentBeforePin(app))
    const r = await this.http.post<{ deployment?: DoDeployment }>(`${this.base}/rollback/revert`, {
      body: {},
      notFound: `app ${this.appId}`,
    })
    const created = r.body?.deployment?.id
    return {
      deploymentId: before ?? created ?? '',
      ...(created ? { jobId: created } : {}),
      requestedAt: new Date().toISOString(),
    }
  }

  async pinned(): Promise<string | null> {
    return (await this.app()).pinned_deployment?.id ?? null
  }

  async putSpec(spec: DoSpec): Promise<void> {
    await this.http.request('PUT', this.base, {
      body: { spec },
      idempotent: true,
      notFound: `app ${this.appId}`,
    })
  }

  private async requirePinned(what: 'commit' | 'revert'): Promise<DoApp> {
    const app = await this.app()
    if (!app.pinned_deployment) {
      throw new CpoError(
        'NOT_PINNED',
        'conflict',
        `DigitalOcean app ${this.appId} is not pinned by a rollback: nothing to ${what}`,
        { hint: 'See what serves with `cpo deploy status`.' },
      )
    }
    return app
  }

  /** The newest deployment older than the pinned one that was active: what served before. */
  private async deploymentBeforePin(app: DoApp): Promise<string | undefined> {
    const pinned = app.pinned_deployment?.id
    const list = await this.list({ limit: 100 })
    const at = list.findIndex((d) => d.id === pinned)
    return list.slice(at + 1).find((d) => d.rawState === 'SUPERSEDED' || d.rawState === 'ACTIVE')
      ?.id
  }

  private async rollbackTo(deploymentId: string, skipPin: boolean): Promise<PlatformJob> {
    const body = { deployment_id: deploymentId, skip_pin: skipPin }
    const v = await this.http.post<{
      valid?: boolean
      error?: { message?: string } | null
      warnings?: Array<{ message?: string }>
    }>(`${this.base}/rollback/validate`, {
      body,
      notFound: `deployment ${deploymentId}`,
      idempotent: true,
    })
    if (v.body?.valid === false) {
      throw new CpoError(
        'PLATFORM_CONFLICT',
        'conflict',
        `DigitalOcean will not roll app ${this.appId} back to ${deploymentId}: ${v.body.error?.message ?? 'validation failed'}`,
        { hint: 'Run `cpo deploy list` to pick another deployment.' },
      )
    }
    const requestedAt = new Date().toISOString()
    const r = await this.http.post<{ deployment?: DoDeployment }>(`${this.base}/rollback`, {
      body,
      notFound: `deployment ${deploymentId}`,
    })
    const created = r.body?.deployment?.id
    return { deploymentId, ...(created ? { jobId: created } : {}), requestedAt }
  }

  private async getDeployment(id: string): Promise<DoDeployment> {
    const r = await this.http.get<{ deployment: DoDeployment }>(
      `${this.base}/deployments/${encodeURIComponent(id)}`,
      {
        notFound: `deployment ${id}`,
      },
    )
    return r.body.deployment
  }

  private deployment(d: DoDeployment, active: string | undefined): Deployment {
    const phase = d.phase ?? 'UNKNOWN'
    const state = STATE[phase] ?? 'unknown'
    const current = d.id === active
    const usable = phase === 'ACTIVE' || phase === 'SUPERSEDED'
    return {
      id: d.id,
      createdAt: d.created_at ?? '',
      commit: d.services?.find((s) => s.source_commit_hash)?.source_commit_hash ?? null,
      url: null,
      state,
      rawState: phase,
      ...candidacy(current, usable ? undefined : `its phase is ${phase}`),
    }
  }
}

/**
 * Env vars live in the app spec: app-wide (`spec.envs`, target "app") and per component
 * (target "<kind>/<name>"). SECRET values come back encrypted: not recoverable. Writing
 * replaces the spec, which makes DigitalOcean deploy.
 */
class DoEnvStore implements EnvVarStore {
  constructor(private readonly p: DigitalOceanPlatform) {}

  async list(): Promise<EnvVar[]> {
    const spec = (await this.p.app()).spec ?? {}
    const out: EnvVar[] = []
    for (const [target, envs] of envLists(spec)) {
      for (const e of envs) {
        const secret = e.type === 'SECRET'
        out.push({
          key: e.key,
          value: secret ? null : (e.value ?? ''),
          type: secret ? 'sensitive' : 'plain',
          targets: [target],
          branch: null,
        })
      }
    }
    return out
  }

  async upsert(vars: EnvVarInput[]): Promise<void> {
    await this.edit((spec) => {
      for (const v of vars) {
        for (const target of v.targets) {
          const envs = listFor(spec, target, true) as DoEnv[]
          const found = envs.find((e) => e.key === v.key)
          const type = v.type === 'secret' || v.type === 'sensitive' ? 'SECRET' : 'GENERAL'
          if (found) {
            found.value = v.value
            found.type = type
          } else envs.push({ key: v.key, value: v.value, scope: 'RUN_AND_BUILD_TIME', type })
        }
      }
    })
  }

  async remove(v: EnvVar): Promise<void> {
    await this.edit((spec) => {
      for (const target of v.targets) {
        const envs = listFor(spec, target, false)
        if (!envs) continue
        const at = envs.findIndex((e) => e.key === v.key)
        if (at >= 0) envs.splice(at, 1)
      }
    })
  }

  private async edit(change: (spec: DoSpec) => void): Promise<void> {
    const spec = structuredClone((await this.p.app()).spec ?? {})
    change(spec)
    await this.p.putSpec(spec)
  }
}

function envLists(spec: DoSpec): Array<[string, DoEnv[]]> {
  const out: Array<[string, DoEnv[]]> = [['app', spec.envs ?? []]]
  for (const kind of COMPONENTS) {
    const list = spec[kind]
    if (!Array.isArray(list)) continue
    for (const c of list as Array<{ name?: string; envs?: DoEnv[] }>) {
      out.push([`${kind}/${c.name ?? ''}`, c.envs ?? []])
    }
  }
  return out
}

function listFor(spec: DoSpec, target: string, create: boolean): DoEnv[] | undefined {
  if (target === 'app') {
    if (!spec.envs && create) spec.envs = []
    return spec.envs
  }
  const [kind, name] = target.split('/')
  const list = spec[kind ?? ''] as Array<{ name?: string; envs?: DoEnv[] }> | undefined
  const component = Array.isArray(list) ? list.find((c) => c.name === name) : undefined
  if (!component) {
    throw new CpoError(
      'ENV_TARGET_UNKNOWN',
      'notFound',
      `the DigitalOcean app spec has no component ${target}`,
      { hint: 'See the components with `cpo env backup` (targets column).' },
    )
  }
  if (!component.envs && create) component.envs = []
  return component.envs
}
