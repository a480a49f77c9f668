import { readFileSync } from 'node:fs'
import path from 'node:path'
import { candidacy } from '../../core/deploy/types.js'
import { CpoError } from '../../errors.js'
import { baseUrlFor, collectPages, HttpClient, tokenFrom } from './http.js'
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
 * Cloudflare (README.md, "Deployments"), two products behind one config: a Worker keeps
 * versions and deployments (a deployment splits traffic between versions); a rollback deploys
 * the target deployment's versions again at the same split (`wrangler rollback` does the same).
 * A Pages project keeps deployments and rolls production back to one in place. Which one: a
 * `projectId` (or `pages_build_output_dir` in wrangler.toml/jsonc) means Pages, else Workers.
 * Responses are `{"success", "errors", "result", "result_info"}`.
 */

interface CfEnvelope<T> {
  success?: boolean
  result: T
  result_info?: { page?: number; total_pages?: number }
}

interface WorkerDeployment {
  id: string
  created_on?: string
  source?: string
  strategy?: string
  versions?: Array<{ version_id: string; percentage: number }>
  annotations?: Record<string, string>
}

interface PagesDeployment {
  id: string
  created_on?: string
  url?: string
  environment?: string
  is_skipped_build?: boolean
  latest_stage?: { name?: string; status?: string }
  deployment_trigger?: { metadata?: { commit_hash?: string } }
}

interface PagesEnvVar {
  type?: 'plain_text' | 'secret_text'
  value?: string
}

interface PagesProject {
  name: string
  canonical_deployment?: { id: string } | null
  deployment_configs?: Record<string, { env_vars?: Record<string, PagesEnvVar | null> | null }>
}

export function create(context: PlatformContext): Platform {
  const http = new HttpClient({
    platform: 'cloudflare',
    baseUrl: baseUrlFor(context.env, 'cloudflare', 'https://api.cloudflare.com/client/v4'),
    token: tokenFrom(context.env, 'Cloudflare', ['CLOUDFLARE_API_TOKEN']),
  })
  const { config } = context
  const account = requireId(
    config.accountId,
    'cloudflare',
    'accountId',
    'the account id (account_id in wrangler.toml)',
  )
  const pages = config.projectId !== undefined || isPagesConfig(context.root)
  if (pages) {
    const project = config.projectId ?? config.scriptName
    if (!project) throw missingId('cloudflare', 'projectId', 'the Pages project name')
    return new CloudflarePages(http, account, project)
  }
  return new CloudflareWorker(
    http,
    account,
    requireId(
      config.scriptName,
      'cloudflare',
      'scriptName',
      'the Worker name (name in wrangler.toml)',
    ),
  )
}

/** wrangler's config for a Pages project names its build output directory. */
function isPagesConfig(root: string): boolean {
  for (const file of ['wrangler.toml', 'wrangler.jsonc', 'wrangler.json']) {
    let text: string
    try {
      text = readFileSync(path.join(root, file), 'utf8')
    } catch {
      continue
    }
    return file.endsWith('.toml')
      ? /^\s*pages_build_output_dir\s*=/m.test(text)
      : /"pages_build_output_dir"\s*:/.test(text)
  }
  return false
}

const sameSplit = (a: WorkerDeployment, b: WorkerDeployment): boolean =>
  JSON.stringify(splitOf(a)) === JSON.stringify(splitOf(b))

const splitOf = (d: WorkerDeployment) =>
  (d.versions ?? []).map((v) => [v.version_id, v.percentage]).sort()

const ENV_PITFALL: Pitfall = {
  code: 'env-not-rolled-back',
  message:
    'environment variables and secrets are not rolled back: the old version runs with the current bindings',
}

export class CloudflareWorker implements Platform {
  readonly name = 'cloudflare' as const
  readonly target: string

  constructor(
    private readonly http: HttpClient,
    private readonly account: string,
    private readonly script: string,
  ) {
    this.target = `worker ${script}`
  }

  private get base(): string {
    return `/accounts/${encodeURIComponent(this.account)}/workers/scripts/${encodeURIComponent(this.script)}`
  }

  private async deployments(): Promise<WorkerDeployment[]> {
    const r = await this.http.get<CfEnvelope<{ deployments?: WorkerDeployment[] }>>(
      `${this.base}/deployments`,
      { notFound: `worker ${this.script}` },
    )
    return r.body.result?.deployments ?? []
  }

  /** The first deployment listed is the one serving (Cloudflare's documented order). */
  async list(options: { limit?: number } = {}): Promise<Deployment[]> {
    const all = await this.deployments()
    return all
      .slice(0, options.limit ?? 100)
      .map((d, i) => this.deployment(d, i === 0, all.slice(i + 1)))
  }

  async current(): Promise<Deployment | null> {
    const all = await this.deployments()
    const first = all[0]
    return first ? this.deployment(first, true, all.slice(1)) : null
  }

  async rollback(target: Deployment, options: RollbackOptions = {}): Promise<PlatformJob> {
    return this.deployAgain(target.id, options.reason)
  }

  async promote(deploymentId: string): Promise<PlatformJob> {
    return this.deployAgain(deploymentId)
  }

  async follow(job: PlatformJob, options: FollowOptions): Promise<JobResult> {
    return pollJob(async () => {
      const all = await this.deployments()
      const first = all[0]
      const target = all.find((d) => d.id === job.deploymentId)
      if (first && target && (first.id === target.id || sameSplit(first, target))) {
        return { state: 'succeeded', servingId: first.id }
      }
      return { state: 'running', detail: `serving: ${first?.id ?? 'nothing'}` }
    }, options)
  }

  pitfalls(): Pitfall[] {
    return [ENV_PITFALL]
  }

  private async deployAgain(deploymentId: string, reason?: string): Promise<PlatformJob> {
    const requestedAt = new Date().toISOString()
    const all = await this.deployments()
    const target = all.find((d) => d.id === deploymentId)
    if (!target) throw missingDeployment(this.http, deploymentId)
    if (all[0] && sameSplit(all[0], target)) return { deploymentId, requestedAt }
    const r = await this.http.post<CfEnvelope<WorkerDeployment>>(`${this.base}/deployments`, {
      body: {
        strategy: 'percentage',
        versions: target.versions ?? [],
        annotations: {
          'workers/message': `cpo: rollback to ${deploymentId}${reason ? `: ${reason}` : ''}`.slice(
            0,
            100,
          ),
        },
      },
      notFound: `worker ${this.script}`,
    })
    const created = r.body.result?.id
    return { deploymentId, ...(created ? { jobId: created } : {}), requestedAt }
  }

  private deployment(d: WorkerDeployment, current: boolean, older: WorkerDeployment[]): Deployment {
    const copyOf = older.find((o) => sameSplit(o, d))?.id
    return {
      id: d.id,
      createdAt: d.created_on ?? '',
      commit: null,
      url: null,
      state: 'ready',
      rawState: (d.versions ?? [])
        .map((v) => `${v.version_id.slice(0, 8)}@${v.percentage}%`)
        .join(' '),
      ...candidacy(current),
      ...(copyOf ? { copyOf } : {}),
    }
  }
}

function missingDeployment(http: HttpClient, id: string): CpoError {
  return new CpoError(
    'PLATFORM_NOT_FOUND',
    'notFound',
    `${http.platform} has no deployment ${id}`,
    {
      hint: 'See the deployments with `cpo deploy list`.',
    },
  )
}

const PAGES_STATE: Record<string, DeploymentState> = {
  success: 'ready',
  failure: 'failed',
  canceled: 'canceled',
  active: 'building',
  idle: 'building',
}

export class CloudflarePages implements Platform {
  readonly name = 'cloudflare' as const
  readonly target: string
  readonly env: EnvVarStore

  constructor(
    readonly http: HttpClient,
    private readonly account: string,
    readonly project: string,
  ) {
    this.target = `Pages project ${project}`
    this.env = new PagesEnvStore(this)
  }

  get base(): string {
    return `/accounts/${encodeURIComponent(this.account)}/pages/projects/${encodeURIComponent(this.project)}`
  }

  async getProject(): Promise<PagesProject> {
    const r = await this.http.get<CfEnvelope<PagesProject>>(this.base, {
      notFound: `Pages project ${this.project}`,
    })
    return r.body.result
  }

  async list(options: { limit?: number } = {}): Promise<Deployment[]> {
    const [project, deployments] = await Promise.all([
      this.getProject(),
      collectPages<PagesDeployment, number>(async (page) => {
        const p = page ?? 1
        const r = await this.http.get<CfEnvelope<PagesDeployment[]>>(`${this.base}/deployments`, {
          query: { env: 'production', page: p, per_page: 25 },
          notFound: `Pages project ${this.project}`,
        })
        const total = r.body.result_info?.total_pages ?? p
        return { items: r.body.result ?? [], next: p < total ? p + 1 : undefined }
      }, options.limit ?? 100),
    ])
    const serving = project.canonical_deployment?.id
    return deployments.map((d) => this.deployment(d, serving))
  }

  async current(): Promise<Deployment | null> {
    const project = await this.getProject()
    const id = project.canonical_deployment?.id
    if (!id) return null
    const r = await this.http.get<CfEnvelope<PagesDeployment>>(
      `${this.base}/deployments/${encodeURIComponent(id)}`,
      { notFound: `deployment ${id}` },
    )
    return this.deployment(r.body.result, id)
  }

  async rollback(target: Deployment): Promise<PlatformJob> {
    return this.promote(target.id)
  }

  async promote(deploymentId: string): Promise<PlatformJob> {
    const requestedAt = new Date().toISOString()
    const project = await this.getProject()
    if (project.canonical_deployment?.id !== deploymentId) {
      await this.http.post(
        `${this.base}/deployments/${encodeURIComponent(deploymentId)}/rollback`,
        {
          body: {},
          idempotent: true,
          notFound: `deployment ${deploymentId}`,
        },
      )
    }
    return { deploymentId, requestedAt }
  }

  async follow(job: PlatformJob, options: FollowOptions): Promise<JobResult> {
    return pollJob(async () => {
      const serving = (await this.getProject()).canonical_deployment?.id
      return serving === job.deploymentId
        ? { state: 'succeeded', servingId: serving }
        : { state: 'running', detail: `serving: ${serving ?? 'nothing'}` }
    }, options)
  }

  pitfalls(): Pitfall[] {
    return [ENV_PITFALL]
  }

  async patchEnv(environment: string, envVars: Record<string, PagesEnvVar | null>): Promise<void> {
    await this.http.request('PATCH', this.base, {
      body: { deployment_configs: { [environment]: { env_vars: envVars } } },
      idempotent: true,
      notFound: `Pages project ${this.project}`,
    })
  }

  private deployment(d: PagesDeployment, serving: string | undefined): Deployment {
    const status = d.latest_stage?.status ?? 'unknown'
    const stage = d.latest_stage?.name ?? ''
    const current = d.id === serving
    const usable = status === 'success' && stage === 'deploy' && d.is_skipped_build !== true
    return {
      id: d.id,
      createdAt: d.created_on ?? '',
      commit: d.deployment_trigger?.metadata?.commit_hash ?? null,
      url: d.url ?? null,
      state: PAGES_STATE[status] ?? 'unknown',
      rawState: stage ? `${stage} ${status}` : status,
      ...candidacy(
        current,
        usable
          ? undefined
          : d.is_skipped_build
            ? 'its build was skipped'
            : `its ${stage || 'build'} is ${status}`,
      ),
    }
  }
}

/**
 * Pages env vars per environment (production, preview). Secret values are not given back: not
 * recoverable. A write changes the next deployment only (no redeploy is started).
 */
class PagesEnvStore implements EnvVarStore {
  constructor(private readonly p: CloudflarePages) {}

  async list(): Promise<EnvVar[]> {
    const configs = (await this.p.getProject()).deployment_configs ?? {}
    const out: EnvVar[] = []
    for (const [environment, c] of Object.entries(configs)) {
      for (const [key, v] of Object.entries(c?.env_vars ?? {})) {
        if (!v) continue
        const secret = v.type === 'secret_text'
        out.push({
          key,
          value: secret ? null : (v.value ?? ''),
          type: secret ? 'sensitive' : 'plain',
          targets: [environment],
          branch: null,
        })
      }
    }
    return out
  }

  async upsert(vars: EnvVarInput[]): Promise<void> {
    const by = new Map<string, Record<string, PagesEnvVar>>()
    for (const v of vars) {
      for (const t of v.targets) {
        const m = by.get(t) ?? {}
        m[v.key] = {
          type: v.type === 'secret' || v.type === 'sensitive' ? 'secret_text' : 'plain_text',
          value: v.value,
        }
        by.set(t, m)
      }
    }
    for (const [environment, envVars] of by) await this.p.patchEnv(environment, envVars)
  }

  async remove(v: EnvVar): Promise<void> {
    for (const t of v.targets) await this.p.patchEnv(t, { [v.key]: null })
  }
}
