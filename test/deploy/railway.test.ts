import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { create } from '../../src/adapters/platforms/railway.js'
import { CpoError } from '../../src/errors.js'
import { type RecordedRequest, startPlatformServer } from '../helpers/platform-server.js'
import { copyOf, keep, makeRepo, sh, writeFiles } from '../helpers/repo.js'
import { cpoAsync } from './run.js'

const TOKEN = 'railway_tok_5d2b8e01aa'
/** A Railway reference variable, kept as written (unrendered). */
const REF = ['$', '{{Postgres.DATABASE_URL}}'].join('')
const IDS = { projectId: 'proj_1', serviceId: 'svc_1', environmentId: 'env_prod' }

/**
 * Railway's GraphQL contract as a local server: `deployments` paged with first/after,
 * `deploymentRollback` (refused unless `canRollback`) making a new deployment that goes
 * BUILDING → DEPLOYING → SUCCESS (or CRASHED) over `pollsToFinish` reads, `variables` and
 * `variableCollectionUpsert`.
 */
async function fakeRailway(o: { pollsToFinish?: number; crash?: boolean } = {}) {
  const nodes = [
    {
      id: 'd3',
      status: 'SUCCESS',
      createdAt: '2026-11-03T10:00:00Z',
      canRollback: true,
      meta: { commitHash: 'c3' },
    },
    {
      id: 'd2',
      status: 'REMOVED',
      createdAt: '2026-11-02T10:00:00Z',
      canRollback: true,
      meta: { commitHash: 'c2' },
    },
    {
      id: 'd1',
      status: 'REMOVED',
      createdAt: '2026-11-01T10:00:00Z',
      canRollback: false,
      meta: { commitHash: 'c1' },
    },
  ]
  let variables: Record<string, string> = {
    DATABASE_URL: REF,
    API_KEY: 'sk_live_value',
  }
  let polls = 0
  let pending: (typeof nodes)[number] | undefined
  let made = 0
  const handle = (req: RecordedRequest) => {
    const { query, variables: v } = req.body as { query: string; variables: any }
    if (query.includes('deploymentRollback')) {
      const from = nodes.find((n) => n.id === v.id)
      if (!from) return { body: { data: null, errors: [{ message: 'Deployment not found' }] } }
      if (!from.canRollback) {
        return { body: { data: null, errors: [{ message: 'Deployment cannot be rolled back' }] } }
      }
      polls = 0
      made++
      pending = {
        ...from,
        id: `d${3 + made}`,
        status: 'BUILDING',
        createdAt: new Date(Date.parse('2026-11-04T10:00:00Z') + made * 1000).toISOString(),
      }
      nodes.unshift(pending)
      return { body: { data: { deploymentRollback: true } } }
    }
    if (query.includes('deployments(')) {
      polls++
      if (pending && polls >= (o.pollsToFinish ?? 1)) {
        pending.status = o.crash ? 'CRASHED' : 'SUCCESS'
        if (!o.crash)
          for (const n of nodes) if (n !== pending && n.status === 'SUCCESS') n.status = 'REMOVED'
        pending = undefined
      } else if (pending) pending.status = 'DEPLOYING'
      const start = v.after ? nodes.findIndex((n) => n.id === v.after) + 1 : 0
      const page = nodes.slice(start, start + Math.min(v.first ?? 50, 2))
      const more = start + page.length < nodes.length
      return {
        body: {
          data: {
            deployments: {
              edges: page.map((node) => ({ node })),
              pageInfo: { hasNextPage: more, endCursor: page.at(-1)?.id ?? null },
            },
          },
        },
      }
    }
    if (query.includes('variableCollectionUpsert')) {
      variables = { ...variables, ...v.input.variables }
      return { body: { data: { variableCollectionUpsert: true } } }
    }
    if (query.includes('variables(')) return { body: { data: { variables } } }
    return { body: { data: null, errors: [{ message: 'unknown query' }] } }
  }
  const server = await startPlatformServer({ 'POST /graphql/v2': handle })
  return { server, nodes, vars: () => variables }
}

let template: string | undefined
function railwayRepo(): string {
  if (!template) {
    template = keep(makeRepo({ 'railway.json': '{}\n' }))
    writeFiles(template, {
      'cpo.config.json': `${JSON.stringify({ deployment: { platform: 'railway', ...IDS } })}\n`,
    })
    sh(template, 'git', 'add', '-A')
    sh(template, 'git', 'commit', '-qm', 'railway config')
  }
  return copyOf(template)
}

const serving = (nodes: { id: string; status: string }[]) =>
  nodes.find((n) => n.status === 'SUCCESS')?.id

describe('railway', () => {
  it('lists deployments across pages with canRollback as the candidate mark', async () => {
    const dir = railwayRepo()
    const { server } = await fakeRailway()
    const r = await cpoAsync(dir, ['--json', 'deploy', 'list'], {
      RAILWAY_API_TOKEN: TOKEN,
      CPO_RAILWAY_API_URL: server.url,
    })
    expect(
      r.json.data.deployments.map((d: any) => [d.id, d.current, d.rollbackCandidate, d.commit]),
    ).toEqual([
      ['d3', true, false, 'c3'],
      ['d2', false, true, 'c2'],
      ['d1', false, false, 'c1'],
    ])
    const calls = server.calls('POST /graphql/v2')
    expect(calls.map((c) => c.body.variables.after ?? null)).toEqual([null, 'd2'])
    expect(calls[0]?.body.variables.input).toEqual(IDS)
    expect(calls[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(r.stdout + r.stderr).not.toContain(TOKEN)
  })

  it('rolls back with deploymentRollback, follows the new deployment, and undo rolls back to the previous one', async () => {
    const dir = railwayRepo()
    const { server, nodes } = await fakeRailway({ pollsToFinish: 3 })
    const env = { RAILWAY_TOKEN: TOKEN, CPO_RAILWAY_API_URL: server.url }
    const r = await cpoAsync(dir, ['--json', 'rollback', 'deploy', '--reason', 'd3 crashes'], env)
    expect(r.code).toBe(0)
    expect(r.json.data.target.id).toBe('d2')
    expect(r.json.data.job).toMatchObject({ state: 'succeeded', servingId: 'd4' })
    expect(r.json.data.pitfalls.map((p: any) => p.code)).toEqual([
      'env-rolled-back',
      'database-not-rolled-back',
    ])
    const rollbacks = server
      .calls('POST /graphql/v2')
      .filter((c) => c.body.query.includes('deploymentRollback'))
    expect(rollbacks.map((c) => c.body.variables)).toEqual([{ id: 'd2' }])
    // a project token goes in its own header, never as a bearer token
    expect(rollbacks[0]?.headers['project-access-token']).toBe(TOKEN)
    expect(rollbacks[0]?.headers.authorization).toBeUndefined()
    expect(serving(nodes)).toBe('d4')
    const undo = await cpoAsync(dir, ['--json', 'undo'], env)
    expect(undo.json.ok).toBe(true)
    const after = server
      .calls('POST /graphql/v2')
      .filter((c) => c.body.query.includes('deploymentRollback'))
    expect(after.map((c) => c.body.variables.id)).toEqual(['d2', 'd3'])
    expect(serving(nodes)).toBe('d5')
    const journal = fs.readFileSync(path.join(dir, '.git', 'cpo', 'oplog.jsonl'), 'utf8')
    for (const text of [journal, r.stdout, r.stderr, undo.stdout, undo.stderr])
      expect(text).not.toContain(TOKEN)
  })

  it('a rollback whose deployment crashes fails the operation; a refused target is a clear error', async () => {
    const dir = railwayRepo()
    const { server } = await fakeRailway({ crash: true })
    const env = { RAILWAY_API_TOKEN: TOKEN, CPO_RAILWAY_API_URL: server.url }
    const r = await cpoAsync(dir, ['--json', 'rollback', 'deploy', '--reason', 'x'], env)
    expect([r.code, r.json.error?.code]).toEqual([6, 'DEPLOY_ROLLBACK_FAILED'])
    expect(r.json.error?.message).toContain('CRASHED')
    const old = await cpoAsync(
      dir,
      ['--json', 'rollback', 'deploy', '--to', 'd1', '--reason', 'x'],
      env,
    )
    expect([old.code, old.json.error?.code]).toEqual([4, 'DEPLOYMENT_NOT_CANDIDATE'])
  })

  it('maps GraphQL errors, keeps references unrendered and upserts variables without redeploying', async () => {
    const { server, vars } = await fakeRailway()
    const platform = create({
      config: { platform: 'railway', ...IDS },
      env: { RAILWAY_API_TOKEN: TOKEN, CPO_RAILWAY_API_URL: server.url },
      root: '/',
    })
    const env = platform.env
    if (!env) throw new Error('railway has env vars')
    const list = await env.list()
    expect(list.find((v) => v.key === 'DATABASE_URL')).toMatchObject({
      value: REF,
      type: 'reference',
      targets: ['env_prod'],
    })
    expect(server.requests.at(-1)?.body.query).toContain('unrendered: true')
    await env.upsert([{ key: 'FEATURE', value: 'on', targets: ['env_prod'] }])
    expect(server.requests.at(-1)?.body.variables.input).toEqual({
      ...IDS,
      variables: { FEATURE: 'on' },
      replace: false,
      skipDeploys: true,
    })
    expect(vars().FEATURE).toBe('on')
    // rate limited (Railway sends Retry-After), then answered
    server.script(
      'POST /graphql/v2',
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 502 },
    )
    const before = server.requests.length
    expect((await platform.list()).map((d) => d.id)).toEqual(['d3', 'd2', 'd1'])
    expect(server.requests.length - before).toBe(4)
    server.route('POST /graphql/v2', {
      body: { data: null, errors: [{ message: 'Not Authorized' }] },
    })
    const e = await platform.list().catch((x: unknown) => x)
    expect(e).toBeInstanceOf(CpoError)
    expect((e as CpoError).code).toBe('PLATFORM_AUTH')
    expect((e as CpoError).message).toContain('RAILWAY_API_TOKEN')
  })
})
