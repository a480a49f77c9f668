import { describe, expect, it } from 'vitest'
import { cpoAsync } from '../deploy/run.js'
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js'
import { expectNoLeak, filesContaining, journal, repoWith } from './support.js'

/**
 * DigitalOcean App Platform's documented contract, in memory: deployments paged two per page
 * (`links.pages.next`), `active_deployment`/`pinned_deployment` on the app, rollback validate →
 * rollback (a new deployment, DEPLOYING for one poll, then ACTIVE; pins unless skip_pin) →
 * commit (unpins) / revert (deploys what served before the pin).
 */
const TOKEN = 'dop_v1_test_token_7c1e55aa'
const APP = 'app-1'

interface Dep {
  id: string
  phase: string
  created_at: string
  services: Array<{ name: string; source_commit_hash: string }>
}

function doFake(server: PlatformServer) {
  const deps: Dep[] = [
    {
      id: 'd3',
      phase: 'ACTIVE',
      created_at: '2026-11-03T10:00:00Z',
      services: [{ name: 'web', source_commit_hash: 'c3' }],
    },
    {
      id: 'd2',
      phase: 'SUPERSEDED',
      created_at: '2026-11-02T10:00:00Z',
      services: [{ name: 'web', source_commit_hash: 'c2' }],
    },
    {
      id: 'd1',
      phase: 'ERROR',
      created_at: '2026-11-01T10:00:00Z',
      services: [{ name: 'web', source_commit_hash: 'c1' }],
    },
  ]
  const s = { active: 'd3', pinned: null as string | null, beforePin: null as string | null, n: 0 }
  const polls = new Map<string, number>()
  const start = (copyOf: string, pin: boolean) => {
    const id = `rb${++s.n}`
    const src = deps.find((d) => d.id === copyOf) as Dep
    deps.unshift({
      id,
      phase: 'DEPLOYING',
      created_at: `2026-11-0${3 + s.n}T10:00:00Z`,
      services: src.services,
    })
    polls.set(id, 0)
    if (pin) {
      s.beforePin = s.active
      s.pinned = id
    }
    return deps[0] as Dep
  }
  server.route('GET /v2/apps/:app', () => ({
    body: {
      app: {
        id: APP,
        spec: { name: 'demo' },
        active_deployment: { id: s.active },
        pinned_deployment: s.pinned ? { id: s.pinned } : null,
      },
    },
  }))
  server.route('GET /v2/apps/:app/deployments', (r) => {
    const page = Number(r.query.page ?? 1)
    const items = deps.slice((page - 1) * 2, page * 2)
    const more = page * 2 < deps.length
    return {
      body: {
        deployments: items,
        links: {
          pages: more ? { next: `${server.url}/v2/apps/${APP}/deployments?page=${page + 1}` } : {},
        },
      },
    }
  })
  server.route('GET /v2/apps/:app/deployments/:id', (r) => {
    const d = deps.find((x) => x.id === r.params.id)
    if (!d) return { status: 404, body: { id: 'not_found', message: 'deployment not found' } }
    if (d.phase === 'DEPLOYING') {
      const seen = (polls.get(d.id) ?? 0) + 1
      polls.set(d.id, seen)
      if (seen >= 2) {
        for (const o of deps) if (o.id === s.active) o.phase = 'SUPERSEDED'
        d.phase = 'ACTIVE'
        s.active = d.id
      }
    }
    return { body: { deployment: d } }
  })
  server.route('POST /v2/apps/:app/rollback/validate', (r) => {
    const d = deps.find((x) => x.id === r.body.deployment_id)
    return d && d.phase !== 'ERROR'
      ? { body: { valid: true, warnings: [] } }
      : {
          body: {
            valid: false,
            error: { code: 'invalid', message: 'deployment failed, cannot roll back to it' },
          },
        }
  })
  server.route('POST /v2/apps/:app/rollback', (r) => ({
    body: { deployment: start(r.body.deployment_id, r.body.skip_pin !== true) },
  }))
  server.route('POST /v2/apps/:app/rollback/commit', () => {
    s.pinned = null
    return { body: {} }
  })
  server.route('POST /v2/apps/:app/rollback/revert', () => {
    const back = s.beforePin as string
    s.pinned = null
    return { body: { deployment: start(back, false) } }
  })
  return s
}

async function setup() {
  const server = await startPlatformServer()
  const state = doFake(server)
  const dir = repoWith({ platform: 'digitalocean', appId: APP })
  const env = { DIGITALOCEAN_TOKEN: TOKEN, CPO_DIGITALOCEAN_API_URL: server.url }
  return { server, state, dir, run: (args: string[]) => cpoAsync(dir, ['--json', ...args], env) }
}

describe('DigitalOcean App Platform', () => {
  it('lists every page, rolls back (validate, rollback, pinned), reverts, and undo of the revert rolls back again', async () => {
    const { server, state, dir, run } = await setup()
    const list = await run(['deploy', 'list'])
    expect(
      list.json.data.deployments.map((d: any) => [d.id, d.current, d.rollbackCandidate]),
    ).toEqual([
      ['d3', true, false],
      ['d2', false, true],
      ['d1', false, false],
    ])
    expect(server.calls('GET /v2/apps/:app/deployments').map((r) => r.query.page)).toEqual([
      '1',
      '2',
    ])

    const rb = await run(['rollback', 'deploy', '--reason', 'd3 returns 500s'])
    expect(rb.code).toBe(0)
    expect(rb.json.data.target.id).toBe('d2')
    expect(rb.json.data.job.state).toBe('succeeded')
    const [validate] = server.calls('POST /v2/apps/:app/rollback/validate')
    expect(validate?.body).toEqual({ deployment_id: 'd2', skip_pin: false })
    const [rollback] = server.calls('POST /v2/apps/:app/rollback')
    expect(rollback?.body).toEqual({ deployment_id: 'd2', skip_pin: false })
    expect(rollback?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(state).toMatchObject({ active: 'rb1', pinned: 'rb1' })
    expect(rb.json.data.pitfalls.find((p: any) => p.code === 'app-pinned').message).toContain(
      'cpo deploy commit',
    )

    const revert = await run(['deploy', 'revert'])
    expect(revert.code).toBe(0)
    expect(server.calls('POST /v2/apps/:app/rollback/revert')).toHaveLength(1)
    expect(state).toMatchObject({ active: 'rb2', pinned: null })

    // undoing the revert: the app is not pinned, so a rollback to the pinned deployment, unpinned
    const undo = await run(['undo', revert.json.data.opId])
    expect(undo.json.ok).toBe(true)
    const again = server.calls('POST /v2/apps/:app/rollback').at(-1)
    expect(again?.body).toEqual({ deployment_id: 'rb1', skip_pin: true })
    expect(state).toMatchObject({ active: 'rb3', pinned: null })

    expectNoLeak([list, rb, revert, undo], [TOKEN])
    expect(filesContaining(dir, [TOKEN])).toEqual([])
    expect(journal(dir).some((e) => e.type === 'effect' && e.effect.kind === 'deploy')).toBe(true)
  })

  it('deploy commit unpins; a second commit is refused; undo of a rollback reverts while pinned', async () => {
    const { server, state, run } = await setup()
    const rb = await run(['rollback', 'deploy', '--reason', 'bad release'])
    expect(state.pinned).toBe('rb1')
    const undo = await run(['undo', rb.json.data.opId])
    expect(undo.json.ok).toBe(true)
    // pinned by the rollback: its exact undo is rollback/revert
    expect(server.calls('POST /v2/apps/:app/rollback/revert')).toHaveLength(1)
    expect(state).toMatchObject({ active: 'rb2', pinned: null })

    await run(['rollback', 'deploy', '--to', 'd2', '--reason', 'again'])
    expect(state.pinned).toBe('rb3')
    const commit = await run(['deploy', 'commit'])
    expect(commit.code).toBe(0)
    expect(server.calls('POST /v2/apps/:app/rollback/commit')).toHaveLength(1)
    expect(state.pinned).toBeNull()
    const twice = await run(['deploy', 'commit'])
    expect(twice.code).toBe(4)
    expect(twice.json.error?.code).toBe('NOT_PINNED')
    expect(server.calls('POST /v2/apps/:app/rollback/commit')).toHaveLength(1)
  })

  it('a deployment DigitalOcean will not validate is refused, nothing rolled back; no token is a clear error', async () => {
    const { server, state, dir, run } = await setup()
    server.route('POST /v2/apps/:app/rollback/validate', () => ({
      body: {
        valid: false,
        error: { code: 'incompatible', message: 'the spec changed a database' },
      },
    }))
    const r = await run(['rollback', 'deploy', '--reason', 'x'])
    expect(r.code).toBe(4)
    expect(r.json.error?.message).toContain('the spec changed a database')
    expect(server.calls('POST /v2/apps/:app/rollback')).toHaveLength(0)
    expect(state).toMatchObject({ active: 'd3', pinned: null })

    const none = await cpoAsync(dir, ['--json', 'deploy', 'list'], {
      DIGITALOCEAN_TOKEN: '',
      DIGITALOCEAN_ACCESS_TOKEN: '',
      CPO_DIGITALOCEAN_API_URL: server.url,
    })
    expect(none.json.error?.code).toBe('PLATFORM_TOKEN_MISSING')
    expect(none.json.error?.message).toContain('DIGITALOCEAN_TOKEN or DIGITALOCEAN_ACCESS_TOKEN')
  })
})
