import type { PlatformServer } from '../helpers/platform-server.js'

/**
 * DigitalOcean App Platform's rollback contract in memory, enough for `deploy commit` and
 * `deploy revert`: rollback pins the app (a new deployment, DEPLOYING for one poll, then ACTIVE),
 * commit unpins, revert deploys what served before the pin. test/platforms/digitalocean.test.ts
 * drives the whole contract (paging, validation); this one only has to let the commands succeed.
 */
interface Dep {
  id: string
  phase: string
  created_at: string
  services: Array<{ name: string; source_commit_hash: string }>
}

export function digitalOceanFake(server: PlatformServer, app: string) {
  const deps: Dep[] = ['d2', 'd1'].map((id, i) => ({
    id,
    phase: i === 0 ? 'ACTIVE' : 'SUPERSEDED',
    created_at: `2026-11-0${2 - i}T10:00:00Z`,
    services: [{ name: 'web', source_commit_hash: `c${2 - i}` }],
  }))
  const s = { active: 'd2', pinned: null as string | null, beforePin: null as string | null, n: 0 }
  const start = (copyOf: string, pin: boolean) => {
    const src = deps.find((d) => d.id === copyOf) as Dep
    const d = {
      id: `rb${++s.n}`,
      phase: 'DEPLOYING',
      created_at: `2026-11-0${3 + s.n}T10:00:00Z`,
      services: src.services,
    }
    deps.unshift(d)
    if (pin) {
      s.beforePin = s.active
      s.pinned = d.id
    }
    return d
  }
  server.route('GET /v2/apps/:app', () => ({
    body: {
      app: {
        id: app,
        spec: { name: 'demo' },
        active_deployment: { id: s.active },
        pinned_deployment: s.pinned ? { id: s.pinned } : null,
      },
    },
  }))
  server.route('GET /v2/apps/:app/deployments', () => ({
    body: { deployments: deps, links: { pages: {} } },
  }))
  server.route('GET /v2/apps/:app/deployments/:id', (r) => {
    const d = deps.find((x) => x.id === r.params.id)
    if (!d) return { status: 404, body: { id: 'not_found', message: 'deployment not found' } }
    if (d.phase === 'DEPLOYING') {
      for (const o of deps) if (o.id === s.active) o.phase = 'SUPERSEDED'
      d.phase = 'ACTIVE'
      s.active = d.id
    }
    return { body: { deployment: d } }
  })
  server.route('POST /v2/apps/:app/rollback/validate', () => ({
    body: { valid: true, warnings: [] },
  }))
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
