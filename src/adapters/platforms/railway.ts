import { candidacy } from '../../core/deploy/types.js'
import { CpoError } from '../../errors.js'
import { baseUrlFor, collectPages, HttpClient, type Token, tokenFrom } from './http.js'
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
 * Railway over its public GraphQL API (its CLI has no rollback and does not install here).
 * A rollback (`deploymentRollback`) makes a new deployment from an old one's image and
 * variables; following it means waiting for that new deployment to succeed.
 */

interface RailwayNode {
  id: string
  status: string
  createdAt: string
  canRollback?: boolean | null
  url?: string | null
  staticUrl?: string | null
  meta?: Record<string, unknown> | null
}

const STATES: Record<string, DeploymentState> = {
  SUCCESS: 'ready',
  SLEEPING: 'ready',
  BUILDING: 'building',
  DEPLOYING: 'building',
  INITIALIZING: 'building',
  QUEUED: 'building',
  WAITING: 'building',
  FAILED: 'failed',
  CRASHED: 'failed',
  REMOVED: 'removed',
  REMOVING: 'removed',
  SKIPPED: 'canceled',
}

const DEPLOYMENTS = `query deployments($input: DeploymentListInput!, $first: Int, $after: String) {
  deployments(input: $input, first: $first, after: $after) {
    edges { node { id status createdAt canRollback url staticUrl meta } }
    pageInfo { hasNextPage endCursor }
  }
}`
const ROLLBACK = 'mutation deploymentRollback($id: String!) { deploymentRollback(id: $id) }'
const VARIABLES = `query variables($projectId: String!, $environmentId: String!, $serviceId: String) {
  variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, unrendered: true)
}`
const UPSERT =
  'mutation variableCollectionUpsert($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }'
const DELETE =
  'mutation variableDelete($input: VariableDeleteInput!) { variableDelete(input: $input) }'

export function create(context: PlatformContext): RailwayPlatform {
  const { projectId, serviceId, environmentId } = context.config
  const missing = Object.entries({ projectId, serviceId, environmentId })
    .filter(([, v]) => !v)
    .map(([k]) => k)
  if (missing.length > 0 || !projectId || !serviceId || !environmentId) {
    throw new CpoError(
      'DEPLOY_CONFIG_INVALID',
      'invalidInput',
      `the railway deployment config lacks ${missing.join(', ')}`,
      {
        hint: 'Add them to the "deployment" block (the ids are in the Railway dashboard URL, or RAILWAY_PROJECT_ID, RAILWAY_SERVICE_ID, RAILWAY_ENVIRONMENT_ID).',
      },
    )
  }
  const token = tokenFrom(context.env, 'railway', ['RAILWAY_API_TOKEN', 'RAILWAY_TOKEN'])
  const http = new HttpClient({
    platform: 'railway',
    baseUrl: baseUrlFor(context.env, 'railway', 'https://backboard.railway.com'),
    token,
    authHeader: authFor(token),
  })
  return new RailwayPlatform(new GraphQL(http, token), { projectId, serviceId, environmentId })
}

/** Account and team tokens are bearer tokens; a project token has its own header. */
function authFor(token: Token): (value: string) => Record<string, string> {
  return token.variable === 'RAILWAY_TOKEN'
    ? (value) => ({ 'project-access-token': value })
    : (value) => ({ authorization: `Bearer ${value}` })
}

/** GraphQL answers 200 with `errors`: mapped here like the HTTP statuses are. */
class GraphQL {
  constructor(
    readonly http: HttpClient,
    private readonly token: Token,
  ) {}

  async run<T>(
    query: string,
    variables: Record<string, unknown>,
    what: string,
    idempotent = true,
  ): Promise<T> {
    const { body } = await this.http.post<{ data?: T; errors?: Array<{ message?: string }> }>(
      '/graphql/v2',
      { body: { query, variables }, idempotent, notFound: what },
    )
    const errors = body?.errors ?? []
    if (errors.length > 0 || !body?.data) {
      const message = this.http.scrub(errors.map((e) => e.message ?? '').join('; ') || 'no data')
      if (/not authori[sz]ed|unauthori[sz]ed|invalid token|forbidden/i.test(message)) {
        throw new CpoError(
          'PLATFORM_AUTH',
          'external',
          `railway refused the token in ${this.token.variable}: ${message}`,
          {
            hint: `Check that ${this.token.variable} is valid and has access to this project, then export ${this.token.variable}=<token>.`,
          },
        )
      }
      if (/not found/i.test(message)) {
        throw new CpoError('PLATFORM_NOT_FOUND', 'notFound', `railway has no ${what}: ${message}`, {
          hint: 'Check the ids in the deployment config (`cpo deploy status` shows them).',
        })
      }
      throw new CpoError('PLATFORM_REJECTED', 'external', `railway refused ${what}: ${message}`, {
        hint: 'Run `cpo deploy list` to see which deployments can be rollback targets.',
      })
    }
    return body.data
  }
}

type Ids = {
  projectId: string
  serviceId: string
  environmentId: string
}

export class RailwayPlatform implements Platform {
  readonly name = 'railway' as const
  readonly target: string
  readonly env: EnvVarStore

  constructor(
    private readonly gql: GraphQL,
    private readonly ids: Ids,
  ) {
    this.target = `service ${ids.serviceId} (project ${ids.projectId}, environment ${ids.environmentId})`
    this.env = new RailwayEnv(gql, ids)
  }

  async list(options: { limit?: number } = {}): Promise<Deployment[]> {
    const nodes = await this.nodes(options.limit ?? 20)
    const serving = nodes.find((n) => STATES[n.status] === 'ready')?.id ?? null
    return nodes.map((n) => toDeployment(n, serving))
  }

  async current(): Promise<Deployment | null> {
    return (await this.list({ limit: 20 })).find((d) => d.current) ?? null
  }

  async rollback(target: Deployment): Promise<PlatformJob> {
    return this.rollbackTo(target.id)
  }

  /** Railway has no promote: making an old deployment serve again is a rollback to it. */
  async promote(deploymentId: string): Promise<PlatformJob> {
    return this.rollbackTo(deploymentId)
  }

  async follow(job: PlatformJob, options: FollowOptions): Promise<JobResult> {
    const started = Date.now()
    for (;;) {
      const [newest] = await this.nodes(1)
      const elapsed = Date.now() - started
      // The rollback's deployment is the newest one that was not the newest before.
      const mine = newest && newest.id !== job.jobId ? newest : undefined
      const state = mine ? STATES[mine.status] : undefined
      if (mine && state === 'ready') {
        options.onProgress?.('succeeded', elapsed)
        return { state: 'succeeded', servingId: mine.id, detail: mine.status }
      }
      if (mine && (state === 'failed' || state === 'canceled' || state === 'removed')) {
        options.onProgress?.('failed', elapsed)
        return { state: 'failed', detail: `deployment ${mine.id} is ${mine.status}` }
      }
      options.onProgress?.(mine ? 'running' : 'pending', elapsed)
      if (elapsed >= options.timeoutMs) {
        return {
          state: 'timeout',
          detail: mine ? `deployment ${mine.id} is ${mine.status}` : 'no new deployment yet',
        }
      }
      await new Promise((r) =>
        setTimeout(r, Math.min(options.pollMs ?? 1000, Math.max(1, options.timeoutMs - elapsed))),
      )
    }
  }

  pitfalls(): Pitfall[] {
    return [
      {
        code: 'env-rolled-back',
        message:
          "Railway restores the rolled-back deployment's variables too: variables changed since then are back to their old values in this service",
      },
    ]
  }

  private async rollbackTo(id: string): Promise<PlatformJob> {
    const [newest] = await this.nodes(1)
    const requestedAt = new Date().toISOString()
    const data = await this.gql.run<{ deploymentRollback: boolean }>(
      ROLLBACK,
      { id },
      `deployment ${id}`,
      false,
    )
    if (data.deploymentRollback !== true) {
      throw new CpoError(
        'PLATFORM_REJECTED',
        'external',
        `railway did not accept the rollback to ${id}`,
        {
          hint: 'Its image may be past the plan’s retention: see `cpo deploy list` (CANDIDATE column).',
        },
      )
    }
    return { deploymentId: id, requestedAt, ...(newest ? { jobId: newest.id } : {}) }
  }

  private nodes(limit: number): Promise<RailwayNode[]> {
    return collectPages<RailwayNode, string>(async (after) => {
      const data = await this.gql.run<{
        deployments: {
          edges: Array<{ node: RailwayNode }>
          pageInfo: { hasNextPage: boolean; endCursor: string | null }
        }
      }>(
        DEPLOYMENTS,
        { input: this.ids, first: Math.min(50, limit), ...(after ? { after } : {}) },
        `service ${this.ids.serviceId}`,
      )
      const { edges, pageInfo } = data.deployments
      return {
        items: edges.map((e) => e.node),
        next: pageInfo.hasNextPage && pageInfo.endCursor ? pageInfo.endCursor : undefined,
      }
    }, limit)
  }
}

function toDeployment(n: RailwayNode, serving: string | null): Deployment {
  const state = STATES[n.status] ?? 'unknown'
  const current = n.id === serving
  const commit = typeof n.meta?.commitHash === 'string' ? n.meta.commitHash : null
  const url = n.staticUrl ?? n.url ?? null
  return {
    id: n.id,
    createdAt: new Date(n.createdAt).toISOString(),
    commit,
    url: url ? (url.startsWith('http') ? url : `https://${url}`) : null,
    state,
    rawState: n.status,
    ...candidacy(
      current,
      n.canRollback === true
        ? undefined
        : "Railway says it cannot be rolled back to (canRollback false: past the plan's image retention, or never succeeded)",
    ),
  }
}

class RailwayEnv implements EnvVarStore {
  constructor(
    private readonly gql: GraphQL,
    private readonly ids: Ids,
  ) {}

  /** Unrendered, so references such as ${{Postgres.DATABASE_URL}} stay references. */
  async list(): Promise<EnvVar[]> {
    const data = await this.gql.run<{ variables: Record<string, string> }>(
      VARIABLES,
      this.ids,
      `variables of service ${this.ids.serviceId}`,
    )
    return Object.entries(data.variables ?? {}).map(([key, value]) => ({
      key,
      value,
      type: value.includes('${{') ? 'reference' : 'plain',
      targets: [this.ids.environmentId],
      branch: null,
    }))
  }

  /** `skipDeploys`: without it every write redeploys the service. */
  async upsert(vars: EnvVarInput[]): Promise<void> {
    if (vars.length === 0) return
    await this.gql.run(
      UPSERT,
      {
        input: {
          ...this.ids,
          variables: Object.fromEntries(vars.map((v) => [v.key, v.value])),
          replace: false,
          skipDeploys: true,
        },
      },
      `variables of service ${this.ids.serviceId}`,
    )
  }

  async remove(v: EnvVar): Promise<void> {
    await this.gql.run(DELETE, { input: { ...this.ids, name: v.key } }, `variable ${v.key}`)
  }
}
