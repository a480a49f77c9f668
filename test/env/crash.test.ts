import { generateIdentity, identityToRecipient } from 'age-encryption'
import { describe, expect, it } from 'vitest'
import { cpoAsync } from '../deploy/run.js'
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js'
import { tempDir } from '../helpers/repo.js'
import { repoWith } from '../platforms/support.js'

/** Render's env-var contract (one set per service, `PUT` replaces it). */
function renderEnv(server: PlatformServer, initial: Record<string, string>) {
  const vars = new Map(Object.entries(initial))
  server.route('GET /v1/services/:svc/env-vars', (r) =>
    r.query.cursor
      ? { body: [] }
      : { body: [...vars].map(([key, value]) => ({ envVar: { key, value }, cursor: key })) },
  )
  server.route('PUT /v1/services/:svc/env-vars', (r) => {
    vars.clear()
    for (const { key, value } of r.body) vars.set(key, value)
    return { body: [] }
  })
  return vars
}

describe('an env restore killed part-way', () => {
  for (const point of ['env-before-saved', 'env-written']) {
    it(`killed at ${point}: every later command points to recover, and recover puts the old values back`, async () => {
      const server = await startPlatformServer()
      const vars = renderEnv(server, { API_KEY: 'sk_live_51CRASHold0000', MODE: 'a' })
      const dir = repoWith({ platform: 'render', serviceId: 'srv-1' })
      const identity = await generateIdentity()
      const env = {
        RENDER_API_KEY: 'rnd-crash-1',
        CPO_RENDER_API_URL: server.url,
        CPO_ENV_IDENTITY: identity,
      }
      const file = `${tempDir()}/b.json`
      const recipient = await identityToRecipient(identity)
      await cpoAsync(
        dir,
        ['env', 'backup', '--encrypt', '--recipient', recipient, '--to', file],
        env,
      )
      vars.set('API_KEY', 'sk_live_51CRASHnew1111')
      vars.set('MODE', 'b')
      const killed = await cpoAsync(dir, ['env', 'restore', file], { ...env, CPO_FAULT: point })
      expect(killed.signal).toBe('SIGKILL')
      expect(Object.fromEntries(vars)).toEqual(
        point === 'env-written'
          ? { API_KEY: 'sk_live_51CRASHold0000', MODE: 'a' }
          : { API_KEY: 'sk_live_51CRASHnew1111', MODE: 'b' },
      )
      const blocked = await cpoAsync(dir, ['--json', 'env', 'restore', file], env)
      expect(blocked.json.error?.hint).toContain('cpo recover')
      const recover = await cpoAsync(dir, ['--json', 'recover'], env)
      expect(recover.json.ok).toBe(true)
      expect(Object.fromEntries(vars)).toEqual({ API_KEY: 'sk_live_51CRASHnew1111', MODE: 'b' })
    })
  }
})
