import { describe, expect, it } from 'vitest'
import { cpoAsync } from '../deploy/run.js'
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js'
import { expectNoLeak, filesContaining, repoWith } from './support.js'

const NETLIFY_TOKEN = 'nfp_test_token_93bd0e1f'
const RENDER_TOKEN = 'rnd_test_key_5a0c7f2e'

/**
 * Netlify's contract: deploys paged by a `Link: rel="next"` header, the site's
 * `published_deploy`, `POST …/deploys/{id}/restore`, `POST /api/v1/deploys/{id}/lock|unlock`.
 */
function netlifyFake(server: PlatformServer) {
  const deploys = [
    {
      id: 'n3',
      state: 'ready',
      context: 'production',
      created_at: '2026-11-03T00:00:00Z',
      commit_ref: 'c3',
    },
    {
      id: 'n2',
      state: 'error',
      context: 'production',
      created_at: '2026-11-02T00:00:00Z',
      commit_ref: 'c2',
    },
    {
      id: 'n1',
      state: 'ready',
      context: 'production',
      created_at: '2026-11-01T00:00:00Z',
      commit_ref: 'c1',
    },
  ]
  const s = { published: 'n3', locked: new Set<string>() }
  server.route('GET /api/v1/sites/:site', () => ({
    body: {
      id: 'site-1',
      published_deploy: { id: s.published, locked: s.locked.has(s.published) },
    },
  }))
  server.route('GET /api/v1/sites/:site/deploys', (r) => {
    const page = Number(r.query.page ?? 1)
    return {
      body: deploys.slice((page - 1) * 2, page * 2),
      headers:
        page === 1
          ? {
              link: `<${server.url}/api/v1/sites/site-1/deploys?page=2&production=true>; rel="next"`,
            }
          : ({} as Record<string, string>),
    }
  })
  server.route('POST /api/v1/sites/:site/deploys/:id/restore', (r) => {
    s.published = r.params.id as string
    return { body: { id: s.published, state: 'ready' } }
  })
  server.route('POST /api/v1/deploys/:id/lock', (r) => {
    s.locked.add(r.params.id as string)
    return { body: { id: r.params.id, locked: true } }
  })
  server.route('POST /api/v1/deploys/:id/unlock', (r) => {
    s.locked.delete(r.params.id as string)
    return { body: { id: r.params.id, locked: false } }
  })
  return s
}

/**
 * Render's contract: deploys paged by cursor (`[{deploy, cursor}]`), `POST …/rollback
 * {deployId}` → 201 with a new deploy that builds for a while, then is live (or fails).
 */
function renderFake(server: PlatformServer, outcome: 'live' | 'update_failed' = 'live') {
  const deploys = [
    {
      id: 'dep-3',
      status: 'live',
      trigger: 'new_commit',
      createdAt: '2026-11-03T00:00:00Z',
      commit: { id: 'c3' },
    },
    {
      id: 'dep-2',
      status: 'deactivated',
      trigger: 'new_commit',
      createdAt: '2026-11-02T00:00:00Z',
      commit: { id: 'c2' },
    },
    {
      id: 'dep-1',
      status: 'build_failed',
      trigger: 'new_commit',
      createdAt: '2026-11-01T00:00:00Z',
      commit: { id: 'c1' },
    },
  ]
  const polls = new Map<string, number>()
  let n = 0
  server.route('GET /v1/services/:svc/deploys', (r) => {
    const at = r.query.cursor ? deploys.findIndex((d) => d.id === r.query.cursor) + 1 : 0
    return { body: deploys.slice(at, at + 2).map((deploy) => ({ deploy, cursor: deploy.id })) }
  })
  server.route('GET /v1/services/:svc/deploys/:id', (r) => {
    const d = deploys.find((x) => x.id === r.params.id)
    if (!d) return { status: 404, body: { message: 'deploy not found' } }
    const seen = (polls.get(d.id) ?? 0) + 1
    polls.set(d.id, seen)
    if (d.status === 'update_in_progress' && seen >= 3) {
      if (outcome === 'live')
        for (const o of deploys) if (o.status === 'live') o.status = 'deactivated'
      d.status = outcome
    }
    return { body: d }
  })
  server.route('POST /v1/services/:svc/rollback', (r) => {
    const from = deploys.find((d) => d.id === r.body.deployId)
    if (!from) return { status: 404, body: { message: 'deploy not found' } }
    const d = {
      id: `dep-rb${++n}`,
      status: 'update_in_progress',
      trigger: 'rollback',
      createdAt: `2026-11-0${3 + n}T00:00:00Z`,
      commit: from.commit,
    }
    deploys.unshift(d)
    return { status: 201, body: d }
  })
  return deploys
}

describe('Netlify', () => {
  it('restores the previous ready deploy with --lock, and undo restores the one before and unlocks it', async () => {
    const server = await startPlatformServer()
    const s = netlifyFake(server)
    const dir = repoWith({ platform: 'netlify', siteId: 'site-1' })
    const env = { NETLIFY_AUTH_TOKEN: NETLIFY_TOKEN, CPO_NETLIFY_API_URL: server.url }
    const run = (args: string[]) => cpoAsync(dir, ['--json', ...args], env)
    const list = await run(['deploy', 'list'])
    expect(list.json.data.deployments.map((d: any) => [d.id, d.rollbackCandidate])).toEqual([
      ['n3', false],
      ['n2', false],
      ['n1', true],
    ])
    expect(server.calls('GET /api/v1/sites/:site/deploys').map((r) => r.query.page ?? '1')).toEqual(
      ['1', '2'],
    )
    const rb = await run(['rollback', 'deploy', '--lock', '--reason', 'n3 is broken'])
    expect(rb.code).toBe(0)
    expect(rb.json.data.target.id).toBe('n1')
    expect(
      server.calls('POST /api/v1/sites/:site/deploys/:id/restore').map((r) => r.params.id),
    ).toEqual(['n1'])
    expect(server.calls('POST /api/v1/deploys/:id/lock').map((r) => r.params.id)).toEqual(['n1'])
    expect(s).toMatchObject({ published: 'n1' })
    expect(s.locked.has('n1')).toBe(true)
    expect(rb.json.data.pitfalls.map((p: any) => p.code)).toContain('auto-publish-overwrites')

    const undo = await run(['undo'])
    expect(undo.json.ok).toBe(true)
    expect(s.published).toBe('n3')
    expect(server.calls('POST /api/v1/deploys/:id/unlock').map((r) => r.params.id)).toEqual(['n1'])
    expect(s.locked.size).toBe(0)
    expectNoLeak([list, rb, undo], [NETLIFY_TOKEN])
    expect(filesContaining(dir, [NETLIFY_TOKEN])).toEqual([])
  })

  it('a refused token (401) names NETLIFY_AUTH_TOKEN and never its value; 403 says it lacks access', async () => {
    const server = await startPlatformServer({
      'GET /api/v1/sites/:site': { status: 401, body: { code: 401, message: 'Access Denied' } },
    })
    const dir = repoWith({ platform: 'netlify', siteId: 'site-1' })
    const env = { NETLIFY_AUTH_TOKEN: NETLIFY_TOKEN, CPO_NETLIFY_API_URL: server.url }
    const r = await cpoAsync(dir, ['--json', 'deploy', 'list'], env)
    expect(r.code).toBe(6)
    expect(r.json.error).toMatchObject({ code: 'PLATFORM_AUTH' })
    expect(r.json.error?.message).toContain('NETLIFY_AUTH_TOKEN')
    expect(r.json.error?.hint).toContain('export NETLIFY_AUTH_TOKEN=')
    server.route('GET /api/v1/sites/:site', { status: 403, body: { message: 'Forbidden' } })
    const f = await cpoAsync(dir, ['--json', 'deploy', 'list'], env)
    expect(f.json.error?.hint).toContain('lacks access')
    expectNoLeak([r, f], [NETLIFY_TOKEN])
  })
})

describe('Render', () => {
  it('rolls back through a slow deploy that finishes, pages by cursor, waits out a 429', async () => {
    const server = await startPlatformServer()
    renderFake(server)
    server.script('GET /v1/services/:svc/deploys', {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: 'rate limited' },
    })
    const dir = repoWith({ platform: 'render', serviceId: 'srv-1' })
    const env = { RENDER_API_KEY: RENDER_TOKEN, CPO_RENDER_API_URL: server.url }
    const rb = await cpoAsync(
      dir,
      ['--json', 'rollback', 'deploy', '--reason', 'dep-3 crashes'],
      env,
    )
    expect(rb.code).toBe(0)
    expect(rb.json.data.target.id).toBe('dep-2')
    expect(rb.json.data.job).toMatchObject({ state: 'succeeded', servingId: 'dep-rb1' })
    const [post] = server.calls('POST /v1/services/:svc/rollback')
    expect(post?.body).toEqual({ deployId: 'dep-2' })
    expect(post?.headers.authorization).toBe(`Bearer ${RENDER_TOKEN}`)
    // the slow deploy was polled until live
    expect(server.calls('GET /v1/services/:svc/deploys/:id').length).toBeGreaterThanOrEqual(3)
    // 429, then the first page, then the pages after each last cursor until one is empty
    expect(server.calls('GET /v1/services/:svc/deploys').map((r) => r.query.cursor ?? '')).toEqual([
      '',
      '',
      'dep-2',
      'dep-1',
    ])
    expect(rb.json.data.pitfalls.map((p: any) => p.code)).toContain('autodeploy-on')
    const list = await cpoAsync(dir, ['--json', 'deploy', 'list'], env)
    // the rollback deploy re-serves dep-2 (same commit): it counts as serving it
    expect(list.json.data.deployments[0]).toMatchObject({
      id: 'dep-rb1',
      current: true,
      copyOf: 'dep-2',
    })
    expectNoLeak([rb, list], [RENDER_TOKEN])
  })

  it('a rollback deploy that fails makes the operation fail (exit 6) and puts the previous deploy back', async () => {
    const server = await startPlatformServer()
    renderFake(server, 'update_failed')
    const dir = repoWith({ platform: 'render', serviceId: 'srv-1' })
    const env = { RENDER_API_KEY: RENDER_TOKEN, CPO_RENDER_API_URL: server.url }
    const rb = await cpoAsync(
      dir,
      ['--json', 'rollback', 'deploy', '--reason', 'x', '--timeout', '20'],
      env,
    )
    expect(rb.code).toBe(6)
    expect(rb.json.error?.code).toBe('DEPLOY_ROLLBACK_FAILED')
    expect(rb.json.error?.message).toContain('update_failed')
    // dep-3 still serves: nothing to put back, so only the one rollback was asked for
    expect(server.calls('POST /v1/services/:svc/rollback')).toHaveLength(1)
    const status = await cpoAsync(dir, ['--json', 'deploy', 'status'], env)
    expect(status.json.data.current.id).toBe('dep-3')
  })

  it('a 409 from the rollback is a conflict (exit 4) with what Render said, and nothing changed', async () => {
    const server = await startPlatformServer()
    renderFake(server)
    server.route('POST /v1/services/:svc/rollback', {
      status: 409,
      body: { message: 'deploy dep-2 is outside the rollback retention window' },
    })
    const dir = repoWith({ platform: 'render', serviceId: 'srv-1' })
    const env = { RENDER_API_KEY: RENDER_TOKEN, CPO_RENDER_API_URL: server.url }
    const rb = await cpoAsync(dir, ['--json', 'rollback', 'deploy', '--reason', 'x'], env)
    expect(rb.code).toBe(4)
    expect(rb.json.error?.code).toBe('PLATFORM_CONFLICT')
    expect(rb.json.error?.message).toContain('outside the rollback retention window')
    // a POST that may have been processed is not sent twice
    expect(server.calls('POST /v1/services/:svc/rollback')).toHaveLength(1)
    const status = await cpoAsync(dir, ['--json', 'deploy', 'status'], env)
    expect(status.json.data.current.id).toBe('dep-3')
    expectNoLeak([rb, status], [RENDER_TOKEN])
  })
})
