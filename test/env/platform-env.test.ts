import fs from 'node:fs'
import path from 'node:path'
import { armor, Decrypter, generateIdentity, identityToRecipient } from 'age-encryption'
import { describe, expect, it } from 'vitest'
import { cpoAsync } from '../deploy/run.js'
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js'
import { tempDir } from '../helpers/repo.js'
import { expectNoLeak, filesContaining, journal, repoWith } from '../platforms/support.js'

const TOKEN = 'rnd_env_test_key_44c1a9d0'
const PASS = 'correct horse battery staple 42'
const DB_PW = 'pg-secret-pw-8841'
const STRIPE_OLD = 'sk_live_51TESToldsecretvalue9999'
const STRIPE_NEW = 'sk_live_51TESTnewsecretvalue1111'
const SECRETS = [TOKEN, PASS, DB_PW, STRIPE_OLD, STRIPE_NEW]

/** Render's env-var contract: `GET …/env-vars` paged by cursor (`[{envVar, cursor}]`), `PUT` replaces all. */
function renderEnv(server: PlatformServer, initial: Record<string, string>) {
  const vars = new Map(Object.entries(initial))
  server.route('GET /v1/services/:svc/env-vars', (r) => {
    const all = [...vars].map(([key, value]) => ({ envVar: { key, value }, cursor: key }))
    const at = r.query.cursor ? all.findIndex((x) => x.cursor === r.query.cursor) + 1 : 0
    return { body: all.slice(at, at + 2) }
  })
  server.route('PUT /v1/services/:svc/env-vars', (r) => {
    vars.clear()
    for (const { key, value } of r.body) vars.set(key, value)
    return { body: r.body.map((envVar: unknown) => ({ envVar })) }
  })
  return vars
}

const snapshot = (m: Map<string, string>) => Object.fromEntries([...m].sort())

describe('env vars on a platform (Render)', () => {
  it('backs up redacted and encrypted, diffs, restores with and without --prune, and undo puts the newer values back', async () => {
    const server = await startPlatformServer()
    const vars = renderEnv(server, {
      DATABASE_URL: `postgres://app:${DB_PW}@db:5432/app`,
      STRIPE_KEY: STRIPE_OLD,
      LOG_LEVEL: 'info',
    })
    const dir = repoWith({ platform: 'render', serviceId: 'srv-1' })
    const out = tempDir()
    const base = { RENDER_API_KEY: TOKEN, CPO_RENDER_API_URL: server.url }
    const withPass = { ...base, CPO_ENV_PASSPHRASE: PASS }
    // The passphrase path runs scrypt (2^18) per file: the restore and undo steps use an age
    // identity (X25519) instead, from the environment.
    const identity = await generateIdentity()
    const recipient = await identityToRecipient(identity)
    const withId = { ...base, CPO_ENV_IDENTITY: identity }
    const run = (args: string[], env: Record<string, string> = withId) =>
      cpoAsync(dir, ['--json', ...args], env)

    // the default backup: names, types, targets and a redacted template, no values
    const plain = await run(['env', 'backup'], base)
    expect(plain.code).toBe(0)
    const plainFile = plain.json.data.file as string
    expect(plainFile.startsWith(path.join(dir, '.git', 'cpo', 'env', 'backups'))).toBe(true)
    expect(fs.statSync(plainFile).mode & 0o777).toBe(0o600)
    const redacted = JSON.parse(fs.readFileSync(plainFile, 'utf8'))
    expect(redacted.encrypted).toBeNull()
    expect(redacted.variables.map((v: any) => [v.key, v.targets, v.type])).toEqual([
      ['DATABASE_URL', ['service'], 'plain'],
      ['STRIPE_KEY', ['service'], 'plain'],
      ['LOG_LEVEL', ['service'], 'plain'],
    ])
    expect(redacted.template).toContain('LOG_LEVEL=info')
    expect(redacted.template).toContain('STRIPE_KEY=')
    // every page was read
    expect(server.calls('GET /v1/services/:svc/env-vars').map((r) => r.query.cursor ?? '')).toEqual(
      ['', 'STRIPE_KEY', 'LOG_LEVEL'],
    )

    // a redacted backup cannot be restored: clear error, nothing written
    const noValues = await run(['env', 'restore', plainFile])
    expect(noValues.code).toBe(5)
    expect(noValues.json.error?.code).toBe('ENV_BACKUP_HAS_NO_VALUES')

    // encrypted with the passphrase from the environment; age itself decrypts it
    const passFile = path.join(out, 'render-env-pass.json')
    const enc = await run(['env', 'backup', '--encrypt', '--to', passFile], withPass)
    expect(enc.code).toBe(0)
    expect(fs.statSync(passFile).mode & 0o777).toBe(0o600)
    const backup = JSON.parse(fs.readFileSync(passFile, 'utf8'))
    expect(backup.encrypted.kind).toBe('passphrase')
    const d = new Decrypter()
    d.addPassphrase(PASS)
    const payload = JSON.parse(await d.decrypt(armor.decode(backup.encrypted.age), 'text'))
    expect(Object.fromEntries(payload.variables.map((v: any) => [v.key, v.value]))).toEqual(
      snapshot(vars),
    )
    const original = snapshot(vars)
    const file = path.join(out, 'render-env.json')
    const byKey = await run(
      ['env', 'backup', '--encrypt', '--recipient', recipient, '--to', file],
      base,
    )
    expect(byKey.code).toBe(0)
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).encrypted).toMatchObject({
      kind: 'recipients',
      recipients: [recipient],
    })

    // the platform drifts: a key rotated, one deleted, one added
    vars.set('STRIPE_KEY', STRIPE_NEW)
    vars.delete('LOG_LEVEL')
    vars.set('NEW_FLAG', 'on')
    const drifted = snapshot(vars)

    const diff = await run(['env', 'diff', file])
    expect(diff.json.data.diff.changed.map((s: any) => s.key)).toEqual(['STRIPE_KEY'])
    expect(diff.json.data.diff.added.map((s: any) => s.key)).toEqual(['LOG_LEVEL'])
    expect(diff.json.data.diff.extra.map((s: any) => s.key)).toEqual(['NEW_FLAG'])
    expect(diff.json.data.diff.unchanged.map((s: any) => s.key)).toEqual(['DATABASE_URL'])

    const dry = await run(['env', 'restore', file, '--dry-run'])
    expect(dry.json.data.dryRun).toBe(true)
    expect(server.calls('PUT /v1/services/:svc/env-vars')).toHaveLength(0)

    // a wrong passphrase: a clear error, nothing written, nothing journaled
    const before = fs.existsSync(path.join(dir, '.git', 'cpo', 'oplog.jsonl'))
      ? journal(dir).length
      : 0
    const wrong = await run(['env', 'restore', passFile], { ...base, CPO_ENV_PASSPHRASE: 'not it' })
    expect(wrong.code).toBe(5)
    expect(wrong.json.error?.code).toBe('ENV_DECRYPT_FAILED')
    expect(wrong.json.error?.hint).toContain('CPO_ENV_PASSPHRASE')
    expect(server.calls('PUT /v1/services/:svc/env-vars')).toHaveLength(0)
    expect(snapshot(vars)).toEqual(drifted)
    expect(
      fs.existsSync(path.join(dir, '.git', 'cpo', 'oplog.jsonl')) ? journal(dir).length : 0,
    ).toBe(before)

    // restore: upserts, keeps what the backup lacks
    const restored = await run(['env', 'restore', file])
    expect(restored.code).toBe(0)
    expect(snapshot(vars)).toEqual({ ...original, NEW_FLAG: 'on' })
    const beforeFile = restored.json.data.beforeFile as string
    expect(fs.statSync(beforeFile).mode & 0o777).toBe(0o600)
    const effect = journal(dir).find((e) => e.type === 'effect' && e.effect.kind === 'env')
    expect(effect.effect.slots.map((s: any) => s.key).sort()).toEqual(['LOG_LEVEL', 'STRIPE_KEY'])

    // undo: the values from before the restore come back on the platform
    const undo = await run(['undo', restored.json.data.opId])
    expect(undo.json.ok).toBe(true)
    expect(snapshot(vars)).toEqual(drifted)

    // with --prune, what the backup lacks goes too
    const pruned = await run(['env', 'restore', file, '--prune'])
    expect(pruned.code).toBe(0)
    expect([...vars.keys()].sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'STRIPE_KEY'])
    expect(vars.get('STRIPE_KEY')).toBe(STRIPE_OLD)
    const undoPrune = await run(['undo'])
    expect(undoPrune.json.ok).toBe(true)
    expect(snapshot(vars)).toEqual(drifted)

    // no token, passphrase or value in any output, the journal, or any file but encrypted parts
    const all = [...SECRETS, identity]
    expectNoLeak(
      [plain, noValues, enc, byKey, diff, dry, wrong, restored, undo, pruned, undoPrune],
      all,
    )
    expect(filesContaining(dir, all)).toEqual([])
    expect(filesContaining(out, all)).toEqual([])
  }, 120_000)
})

/** Netlify env: account-level, per deploy context, secrets write-only. */
describe('env vars per context (Netlify)', () => {
  it('keeps every context and branch value, lists secrets as not recoverable, and never restores over them', async () => {
    const server = await startPlatformServer({
      'GET /api/v1/accounts/:acc/env': {
        body: [
          {
            key: 'API_URL',
            is_secret: false,
            values: [
              { id: 'v1', context: 'production', value: 'https://api.example.com' },
              { id: 'v2', context: 'deploy-preview', value: 'https://staging.example.com' },
              {
                id: 'v3',
                context: 'branch',
                context_parameter: 'feature-x',
                value: 'https://x.example.com',
              },
            ],
          },
          { key: 'SIGNING_SECRET', is_secret: true, values: [{ id: 'v4', context: 'production' }] },
        ],
      },
    })
    const dir = repoWith({ platform: 'netlify', siteId: 'site-1', accountId: 'team-a' })
    const env = { NETLIFY_AUTH_TOKEN: 'nfp_env_test_0b1c', CPO_NETLIFY_API_URL: server.url }
    const r = await cpoAsync(dir, ['--json', 'env', 'backup'], env)
    expect(r.code).toBe(0)
    expect(server.calls('GET /api/v1/accounts/:acc/env')[0]?.query).toEqual({ site_id: 'site-1' })
    expect(r.json.data.notRecoverable).toEqual(['SIGNING_SECRET [production]'])
    const b = JSON.parse(fs.readFileSync(r.json.data.file, 'utf8'))
    expect(b.variables.map((v: any) => [v.key, v.targets, v.branch, v.recoverable])).toEqual([
      ['API_URL', ['production'], null, true],
      ['API_URL', ['deploy-preview'], null, true],
      ['API_URL', ['branch'], 'feature-x', true],
      ['SIGNING_SECRET', ['production'], null, false],
    ])
    expect(b.template).toContain('# target: branch @feature-x')
    expect(b.template).toContain('SIGNING_SECRET= # not recoverable (sensitive)')
  })
})
