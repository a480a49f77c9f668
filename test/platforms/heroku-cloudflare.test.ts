import { describe, expect, it } from 'vitest'
import { cpoAsync } from '../deploy/run.js'
import { closedPort, type PlatformServer, startPlatformServer } from '../helpers/platform-server.js'
import { writeFiles } from '../helpers/repo.js'
import { expectNoLeak, filesContaining, repoWith } from './support.js'

const HEROKU_KEY = 'hrku-test-key-0d6f3b9a'
const CF_TOKEN = 'cf_test_token_e41a09bc'
const ACCEPT = 'application/vnd.heroku+json; version=3'

/**
 * Heroku's contract: releases paged with `Range: version ..; order=desc, max=N` and a
 * `Next-Range` header (206), `POST /apps/{app}/releases {"release"}` → a pending release named
 * "Rollback to vN" that succeeds after a poll; the version-3 Accept header on every request.
 */
function herokuFake(server: PlatformServer) {
  const releases = [
    {
      id: 'uuid-3',
      version: 3,
      status: 'succeeded',
      current: true,
      created_at: '2026-11-03T00:00:00Z',
      description: 'Deploy c3',
      slug: { id: 's3' },
    },
    {
      id: 'uuid-2',
      version: 2,
      status: 'succeeded',
      current: false,
      created_at: '2026-11-02T00:00:00Z',
      description: 'Set FOO config vars',
      slug: null,
    },
    {
      id: 'uuid-1',
      version: 1,
      status: 'succeeded',
      current: false,
      created_at: '2026-11-01T00:00:00Z',
      description: 'Deploy c1',
      slug: { id: 's1' },
    },
  ]
  const polls = new Map<string, number>()
  server.route('GET /apps/:app/releases', (r) => {
    const range = String(r.headers.range ?? '')
    const below = /^version \]?(\d+)\.\./.exec(range)?.[1]
    const from = below ? releases.findIndex((x) => x.version < Number(below)) : 0
    const page = releases.slice(from, from + 2)
    const last = page.at(-1)
    const more = from + 2 < releases.length
    return {
      status: more ? 206 : 200,
      body: page,
      headers: (more && last
        ? { 'next-range': `version ]${last.version}..; order=desc, max=2` }
        : {}) as Record<string, string>,
    }
  })
  server.route('GET /apps/:app/releases/:id', (r) => {
    const rel = releases.find((x) => x.id === r.params.id)
    if (!rel)
      return { status: 404, body: { id: 'not_found', message: "Couldn't find that release." } }
    const seen = (polls.get(rel.id) ?? 0) + 1
    polls.set(rel.id, seen)
    if (rel.status === 'pending' && seen >= 2) {
      for (const o of releases) o.current = false
      rel.status = 'succeeded'
      rel.current = true
    }
    return { body: rel }
  })
  server.route('POST /apps/:app/releases', (r) => {
    const from = releases.find((x) => x.id === r.body.release)
    if (!from)
      return { status: 404, body: { id: 'not_found', message: "Couldn't find that release." } }
    const version = (releases[0]?.version ?? 0) + 1
    const rel = {
      id: `uuid-${version}`,
      version,
      status: 'pending',
      current: false,
      created_at: `2026-11-0${version}T00:00:00Z`,
      description: `Rollback to v${from.version}`,
      slug: from.slug,
    }
    releases.unshift(rel)
    return { status: 201, body: rel }
  })
  return releases
}

describe('Heroku', () => {
  it('pages releases by Range, rolls back to the last release with a slug, with the version-3 Accept header', async () => {
    const server = await startPlatformServer()
    const releases = herokuFake(server)
    const dir = repoWith({ platform: 'heroku', appId: 'demo-app' })
    const env = { HEROKU_API_KEY: HEROKU_KEY, CPO_HEROKU_API_URL: server.url }
    const rb = await cpoAsync(
      dir,
      ['--json', 'rollback', 'deploy', '--reason', 'v3 is broken'],
      env,
    )
    expect(rb.code).toBe(0)
    // v2 changed config only (no slug): not a candidate, v1 is
    expect(rb.json.data.target.id).toBe('uuid-1')
    const [post] = server.calls('POST /apps/:app/releases')
    expect(post?.body).toEqual({ release: 'uuid-1' })
    expect(post?.headers.accept).toBe(ACCEPT)
    expect(server.requests.every((r) => r.headers.accept === ACCEPT)).toBe(true)
    expect(server.calls('GET /apps/:app/releases').map((r) => r.headers.range)).toContain(
      'version ]2..; order=desc, max=2',
    )
    expect(releases[0]).toMatchObject({ version: 4, current: true, description: 'Rollback to v1' })
    expect(rb.json.data.pitfalls.map((p: any) => p.code)).toContain('env-rolled-back')
    // the rollback release re-serves v1
    const list = await cpoAsync(dir, ['--json', 'deploy', 'list'], env)
    expect(list.json.data.deployments[0]).toMatchObject({
      id: 'uuid-4',
      current: true,
      copyOf: 'uuid-1',
    })
    // undo: a rollback to v3
    const undo = await cpoAsync(dir, ['--json', 'undo'], env)
    expect(undo.json.ok).toBe(true)
    expect(server.calls('POST /apps/:app/releases').at(-1)?.body).toEqual({ release: 'uuid-3' })
    expectNoLeak([rb, list, undo], [HEROKU_KEY])
    expect(filesContaining(dir, [HEROKU_KEY])).toEqual([])
  })

  it('an unknown --to is refused before anything is asked of Heroku; 404 from the API names the release', async () => {
    const server = await startPlatformServer()
    herokuFake(server)
    const dir = repoWith({ platform: 'heroku', appId: 'demo-app' })
    const env = { HEROKU_API_KEY: HEROKU_KEY, CPO_HEROKU_API_URL: server.url }
    const r = await cpoAsync(
      dir,
      ['--json', 'rollback', 'deploy', '--to', 'uuid-9', '--reason', 'x'],
      env,
    )
    expect(r.code).toBe(3)
    expect(r.json.error?.code).toBe('DEPLOYMENT_NOT_FOUND')
    expect(server.calls('POST /apps/:app/releases')).toHaveLength(0)
    server.route('GET /apps/:app/releases', {
      status: 404,
      body: { id: 'not_found', message: "Couldn't find that app." },
    })
    const m = await cpoAsync(dir, ['--json', 'deploy', 'list'], env)
    expect(m.code).toBe(3)
    expect(m.json.error?.message).toContain('app demo-app')
  })
})

/** Cloudflare Workers: deployments (the first serves) with a version split; a rollback is a new deployment. */
function workersFake(server: PlatformServer) {
  const deployments = [
    {
      id: 'w3',
      created_on: '2026-11-03T00:00:00Z',
      strategy: 'percentage',
      versions: [{ version_id: 'ver-bbbbbbbb', percentage: 100 }],
    },
    {
      id: 'w2',
      created_on: '2026-11-02T00:00:00Z',
      strategy: 'percentage',
      versions: [{ version_id: 'ver-aaaaaaaa', percentage: 100 }],
    },
  ]
  server.route('GET /accounts/:acc/workers/scripts/:script/deployments', () => ({
    body: { success: true, errors: [], result: { deployments } },
  }))
  server.route('POST /accounts/:acc/workers/scripts/:script/deployments', (r) => {
    const d = {
      id: `w${deployments.length + 10}`,
      created_on: '2026-11-09T00:00:00Z',
      strategy: r.body.strategy,
      versions: r.body.versions,
    }
    deployments.unshift(d)
    return { body: { success: true, errors: [], result: d } }
  })
  return deployments
}

/** Cloudflare Pages: production deployments paged, `canonical_deployment`, `…/rollback`. */
function pagesFake(server: PlatformServer) {
  const dep = (id: string, status: string, day: number) => ({
    id,
    created_on: `2026-11-0${day}T00:00:00Z`,
    environment: 'production',
    url: `https://${id}.demo.pages.dev`,
    latest_stage: { name: 'deploy', status },
    deployment_trigger: { metadata: { commit_hash: `c${day}` } },
  })
  const deployments = [dep('p3', 'success', 3), dep('p2', 'failure', 2), dep('p1', 'success', 1)]
  const s = { canonical: 'p3' }
  server.route('GET /accounts/:acc/pages/projects/:project', () => ({
    body: { success: true, result: { name: 'demo', canonical_deployment: { id: s.canonical } } },
  }))
  server.route('GET /accounts/:acc/pages/projects/:project/deployments', (r) => {
    const page = Number(r.query.page ?? 1)
    return {
      body: {
        success: true,
        result: deployments.slice((page - 1) * 2, page * 2),
        result_info: { page, per_page: 2, total_pages: 2 },
      },
    }
  })
  server.route('GET /accounts/:acc/pages/projects/:project/deployments/:id', (r) => ({
    body: { success: true, result: deployments.find((d) => d.id === r.params.id) },
  }))
  server.route('POST /accounts/:acc/pages/projects/:project/deployments/:id/rollback', (r) => {
    s.canonical = r.params.id as string
    return { body: { success: true, result: deployments.find((d) => d.id === r.params.id) } }
  })
  return s
}

describe('Cloudflare', () => {
  it('Workers: deploys the previous version at 100% again, after a 502 then success; undo deploys the newer one', async () => {
    const server = await startPlatformServer()
    const deployments = workersFake(server)
    server.script('GET /accounts/:acc/workers/scripts/:script/deployments', {
      status: 502,
      body: { success: false, errors: [{ code: 10013, message: 'bad gateway' }] },
    })
    const dir = repoWith({ platform: 'cloudflare', accountId: 'acc-1', scriptName: 'api' })
    const env = { CLOUDFLARE_API_TOKEN: CF_TOKEN, CPO_CLOUDFLARE_API_URL: server.url }
    const rb = await cpoAsync(
      dir,
      ['--json', 'rollback', 'deploy', '--reason', 'ver-b throws'],
      env,
    )
    expect(rb.code).toBe(0)
    expect(rb.json.data.target.id).toBe('w2')
    const [post] = server.calls('POST /accounts/:acc/workers/scripts/:script/deployments')
    expect(post?.path).toBe('/accounts/acc-1/workers/scripts/api/deployments')
    expect(post?.body).toMatchObject({
      strategy: 'percentage',
      versions: [{ version_id: 'ver-aaaaaaaa', percentage: 100 }],
    })
    expect(post?.body.annotations['workers/message']).toContain('ver-b throws')
    expect(deployments[0]?.versions).toEqual([{ version_id: 'ver-aaaaaaaa', percentage: 100 }])
    const undo = await cpoAsync(dir, ['--json', 'undo'], env)
    expect(undo.json.ok).toBe(true)
    expect(deployments[0]?.versions).toEqual([{ version_id: 'ver-bbbbbbbb', percentage: 100 }])
    expectNoLeak([rb, undo], [CF_TOKEN])
    expect(filesContaining(dir, [CF_TOKEN])).toEqual([])
  })

  it('Pages (chosen by pages_build_output_dir in wrangler.toml): rolls production back past a failed build', async () => {
    const server = await startPlatformServer()
    const s = pagesFake(server)
    const dir = repoWith(
      { platform: 'cloudflare', accountId: 'acc-1' },
      { 'wrangler.toml': 'name = "demo"\npages_build_output_dir = "./dist"\n' },
    )
    const env = { CLOUDFLARE_API_TOKEN: CF_TOKEN, CPO_CLOUDFLARE_API_URL: server.url }
    const rb = await cpoAsync(dir, ['--json', 'rollback', 'deploy', '--reason', 'p3 broken'], env)
    expect(rb.code).toBe(0)
    expect(rb.json.data.target.id).toBe('p1')
    expect(
      server
        .calls('POST /accounts/:acc/pages/projects/:project/deployments/:id/rollback')
        .map((r) => r.path),
    ).toEqual(['/accounts/acc-1/pages/projects/demo/deployments/p1/rollback'])
    expect(
      server.calls('GET /accounts/:acc/pages/projects/:project/deployments').map((r) => r.query),
    ).toEqual([
      { env: 'production', page: '1', per_page: '25' },
      { env: 'production', page: '2', per_page: '25' },
    ])
    expect(s.canonical).toBe('p1')
  })

  it('connection refused: a clear PLATFORM_UNREACHABLE (exit 6) naming the override variable', async () => {
    const dir = repoWith({ platform: 'cloudflare', accountId: 'acc-1', scriptName: 'api' })
    writeFiles(dir, {})
    const r = await cpoAsync(dir, ['--json', 'deploy', 'list'], {
      CLOUDFLARE_API_TOKEN: CF_TOKEN,
      CPO_CLOUDFLARE_API_URL: await closedPort(),
    })
    expect(r.code).toBe(6)
    expect(r.json.error?.code).toBe('PLATFORM_UNREACHABLE')
    expect(r.json.error?.message).toContain('ECONNREFUSED')
    expect(r.json.error?.hint).toContain('CPO_CLOUDFLARE_API_URL')
    expectNoLeak([r], [CF_TOKEN])
  })
})
