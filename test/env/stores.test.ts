import { generateIdentity, identityToRecipient } from 'age-encryption'
import { describe, expect, it } from 'vitest'
import { create as cloudflare } from '../../src/adapters/platforms/cloudflare.js'
import { create as heroku } from '../../src/adapters/platforms/heroku.js'
import { create as netlify } from '../../src/adapters/platforms/netlify.js'
import { cpoAsync } from '../deploy/run.js'
import { startPlatformServer } from '../helpers/platform-server.js'
import { tempDir } from '../helpers/repo.js'
import { expectNoLeak, filesContaining, repoWith } from '../platforms/support.js'

describe('env-var stores against their contracts', () => {
  it('Heroku config vars: GET, PATCH to upsert, a null value to remove, the version-3 Accept header', async () => {
    const vars: Record<string, string> = { DATABASE_URL: 'postgres://h', WEB_CONCURRENCY: '2' }
    const server = await startPlatformServer({
      'GET /apps/:app/config-vars': () => ({ body: vars }),
      'PATCH /apps/:app/config-vars': (r) => {
        for (const [k, v] of Object.entries(r.body as Record<string, string | null>)) {
          if (v === null) delete vars[k]
          else vars[k] = v
        }
        return { body: vars }
      },
    })
    const p = heroku({
      config: { platform: 'heroku', appId: 'demo' },
      env: { HEROKU_API_KEY: 'hk-store-1', CPO_HEROKU_API_URL: server.url },
      root: tempDir(),
    })
    const store = p.env
    expect(await store.list()).toEqual([
      { key: 'DATABASE_URL', value: 'postgres://h', type: 'plain', targets: ['app'], branch: null },
      { key: 'WEB_CONCURRENCY', value: '2', type: 'plain', targets: ['app'], branch: null },
    ])
    await store.upsert([{ key: 'WEB_CONCURRENCY', value: '4', targets: ['app'] }])
    await store.remove({
      key: 'DATABASE_URL',
      value: null,
      type: 'plain',
      targets: ['app'],
      branch: null,
    })
    expect(server.calls('PATCH /apps/:app/config-vars').map((r) => r.body)).toEqual([
      { WEB_CONCURRENCY: '4' },
      { DATABASE_URL: null },
    ])
    expect(
      server.requests.every((r) => r.headers.accept === 'application/vnd.heroku+json; version=3'),
    ).toBe(true)
    expect(vars).toEqual({ WEB_CONCURRENCY: '4' })
  })

  it('Cloudflare Pages: env vars per environment, secrets write-only, PATCH to upsert, null to remove', async () => {
    const server = await startPlatformServer({
      'GET /accounts/:acc/pages/projects/:project': {
        body: {
          success: true,
          result: {
            name: 'demo',
            deployment_configs: {
              production: {
                env_vars: {
                  API_URL: { type: 'plain_text', value: 'https://a' },
                  TOKEN: { type: 'secret_text' },
                },
              },
              preview: { env_vars: { API_URL: { type: 'plain_text', value: 'https://b' } } },
            },
          },
        },
      },
      'PATCH /accounts/:acc/pages/projects/:project': { body: { success: true, result: {} } },
    })
    const p = cloudflare({
      config: { platform: 'cloudflare', accountId: 'acc', projectId: 'demo' },
      env: { CLOUDFLARE_API_TOKEN: 'cf-store-1', CPO_CLOUDFLARE_API_URL: server.url },
      root: tempDir(),
    })
    const store = p.env
    if (!store) throw new Error('Pages has env vars')
    expect((await store.list()).map((v) => [v.key, v.targets, v.value, v.type])).toEqual([
      ['API_URL', ['production'], 'https://a', 'plain'],
      ['TOKEN', ['production'], null, 'sensitive'],
      ['API_URL', ['preview'], 'https://b', 'plain'],
    ])
    await store.upsert([{ key: 'API_URL', value: 'https://c', targets: ['production'] }])
    await store.remove({
      key: 'API_URL',
      value: 'https://b',
      type: 'plain',
      targets: ['preview'],
      branch: null,
    })
    expect(server.calls('PATCH /accounts/:acc/pages/projects/:project').map((r) => r.body)).toEqual(
      [
        {
          deployment_configs: {
            production: { env_vars: { API_URL: { type: 'plain_text', value: 'https://c' } } },
          },
        },
        { deployment_configs: { preview: { env_vars: { API_URL: null } } } },
      ],
    )
  })

  it('DigitalOcean: restore --prune writes the app spec back, leaves encrypted SECRETs alone and never prunes one', async () => {
    const SECRET = 'EV[1:encrypted-blob-9f9f]'
    const spec: any = {
      name: 'demo',
      envs: [
        { key: 'LOG_LEVEL', value: 'info', scope: 'RUN_TIME', type: 'GENERAL' },
        { key: 'SESSION_KEY', value: SECRET, scope: 'RUN_TIME', type: 'SECRET' },
      ],
      services: [
        { name: 'web', envs: [{ key: 'PORT', value: '8080', scope: 'RUN_TIME', type: 'GENERAL' }] },
      ],
    }
    let current = structuredClone(spec)
    const server = await startPlatformServer({
      'GET /v2/apps/:app': () => ({
        body: { app: { id: 'app-1', spec: current, active_deployment: { id: 'd1' } } },
      }),
      'PUT /v2/apps/:app': (r) => {
        current = r.body.spec
        return { body: { app: { id: 'app-1', spec: current } } }
      },
    })
    const dir = repoWith({ platform: 'digitalocean', appId: 'app-1' })
    const identity = await generateIdentity()
    const recipient = await identityToRecipient(identity)
    const env = {
      DIGITALOCEAN_TOKEN: 'dop-store-1',
      CPO_DIGITALOCEAN_API_URL: server.url,
      CPO_ENV_IDENTITY: identity,
    }
    const file = `${tempDir()}/do.json`
    const backup = await cpoAsync(
      dir,
      ['--json', 'env', 'backup', '--encrypt', '--recipient', recipient, '--to', file],
      env,
    )
    expect(backup.json.data.notRecoverable).toEqual(['SESSION_KEY [app]'])
    // drift: LOG_LEVEL changed, a new app var, PORT removed from the web service
    current.envs[0].value = 'debug'
    current.envs.push({ key: 'EXTRA', value: '1', scope: 'RUN_TIME', type: 'GENERAL' })
    current.services[0].envs = []
    current.envs.push({
      key: 'NEW_SECRET',
      value: 'EV[1:new-blob]',
      scope: 'RUN_TIME',
      type: 'SECRET',
    })
    const r = await cpoAsync(dir, ['--json', 'env', 'restore', file, '--prune'], env)
    expect(r.code).toBe(0)
    expect(r.json.data.plan.diff.notRecoverable.map((s: any) => s.key)).toEqual(['SESSION_KEY'])
    // a write-only secret the backup lacks is not pruned: nothing could bring it back
    expect(r.json.data.notPruned.map((s: any) => s.key)).toEqual(['NEW_SECRET'])
    expect(current.envs).toEqual([
      { key: 'LOG_LEVEL', value: 'info', scope: 'RUN_TIME', type: 'GENERAL' },
      { key: 'SESSION_KEY', value: SECRET, scope: 'RUN_TIME', type: 'SECRET' },
      { key: 'NEW_SECRET', value: 'EV[1:new-blob]', scope: 'RUN_TIME', type: 'SECRET' },
    ])
    expect(current.services[0].envs).toEqual([
      { key: 'PORT', value: '8080', scope: 'RUN_AND_BUILD_TIME', type: 'GENERAL' },
    ])
    const undo = await cpoAsync(dir, ['--json', 'undo'], env)
    expect(undo.json.ok).toBe(true)
    expect(current.envs.map((e: any) => [e.key, e.value])).toEqual([
      ['LOG_LEVEL', 'debug'],
      ['SESSION_KEY', SECRET],
      ['NEW_SECRET', 'EV[1:new-blob]'],
      ['EXTRA', '1'],
    ])
    expect(current.services[0].envs).toEqual([])
    expectNoLeak([backup, r, undo], ['dop-store-1', identity])
    expect(filesContaining(dir, ['dop-store-1', identity, SECRET])).toEqual([])
  })

  it('Netlify: PATCH a context value of a key that exists, POST a new key, DELETE one value or the last', async () => {
    const server = await startPlatformServer({
      'GET /api/v1/accounts/:acc/env': {
        body: [
          {
            key: 'API_URL',
            values: [
              { id: 'v1', context: 'production', value: 'https://a' },
              { id: 'v2', context: 'deploy-preview', value: 'https://b' },
            ],
          },
          { key: 'ONLY', values: [{ id: 'v3', context: 'all', value: '1' }] },
        ],
      },
      'PATCH /api/v1/accounts/:acc/env/:key': { body: {} },
      'POST /api/v1/accounts/:acc/env': { status: 201, body: [] },
      'DELETE /api/v1/accounts/:acc/env/:key': { status: 204 },
      'DELETE /api/v1/accounts/:acc/env/:key/value/:id': { status: 204 },
    })
    const p = netlify({
      config: { platform: 'netlify', siteId: 'site-1', accountId: 'team-a' },
      env: { NETLIFY_AUTH_TOKEN: 'nf-store-1', CPO_NETLIFY_API_URL: server.url },
      root: tempDir(),
    })
    await p.env.upsert([
      { key: 'API_URL', value: 'https://c', targets: ['production'] },
      { key: 'FEATURE', value: 'on', targets: ['branch'], branch: 'feature-x' },
    ])
    expect(
      server.calls('PATCH /api/v1/accounts/:acc/env/:key').map((r) => [r.path, r.query, r.body]),
    ).toEqual([
      [
        '/api/v1/accounts/team-a/env/API_URL',
        { site_id: 'site-1' },
        { context: 'production', value: 'https://c' },
      ],
    ])
    expect(server.calls('POST /api/v1/accounts/:acc/env').map((r) => r.body)).toEqual([
      [
        {
          key: 'FEATURE',
          values: [{ context: 'branch', value: 'on', context_parameter: 'feature-x' }],
        },
      ],
    ])
    await p.env.remove({
      key: 'API_URL',
      value: 'https://b',
      type: 'plain',
      targets: ['deploy-preview'],
      branch: null,
    })
    await p.env.remove({ key: 'ONLY', value: '1', type: 'plain', targets: ['all'], branch: null })
    expect(server.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      '/api/v1/accounts/team-a/env/API_URL/value/v2',
      '/api/v1/accounts/team-a/env/ONLY',
    ])
  })
})
