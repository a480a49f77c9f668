import fs from 'node:fs'
import path from 'node:path'
import { generateIdentity, identityToRecipient } from 'age-encryption'
import { describe, expect, it } from 'vitest'
import { cpoAsync } from '../deploy/run.js'
import { commitAll, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { expectNoLeak, filesContaining } from '../platforms/support.js'

const API_KEY = 'sk_live_51LOCALsecret0000abcd'
const DB_PW = 'local-db-pw-77f1'
const ENV = `# app\nNODE_ENV=development\nPORT=3000\nSTRIPE_SECRET_KEY=${API_KEY}\nDATABASE_URL=postgres://app:${DB_PW}@localhost:5432/app\n`
const ENV_LOCAL = `OPENAI_API_KEY=sk-proj-localTESTkey1234567890abcdef\n`

describe('local .env files', () => {
  it('backs up a redacted template and, encrypted, the bytes; restore --local writes them back 0600; undo returns to what was there', async () => {
    const dir = makeRepo({ 'src/app.js': 'x\n', '.gitignore': '.env*\n' })
    writeFiles(dir, { '.env': ENV, '.env.local': ENV_LOCAL })
    fs.chmodSync(path.join(dir, '.env'), 0o644)
    const identity = await generateIdentity()
    const recipient = await identityToRecipient(identity)
    const env = { CPO_ENV_IDENTITY: identity }
    const run = (args: string[]) => cpoAsync(dir, ['--json', ...args], env)

    const redacted = await run(['env', 'backup', '--local'])
    expect(redacted.code).toBe(0)
    const b = JSON.parse(fs.readFileSync(redacted.json.data.file, 'utf8'))
    expect(b.files.map((f: any) => f.path)).toEqual(['.env', '.env.local'])
    const template = b.files[0].template as string
    expect(template).toContain('NODE_ENV=development')
    expect(template).toContain('PORT=3000')
    expect(template).toContain('STRIPE_SECRET_KEY=')
    expect(b.encrypted).toBeNull()

    const out = tempDir()
    const file = path.join(out, 'local.json')
    const enc = await run([
      'env',
      'backup',
      '--local',
      '--encrypt',
      '--recipient',
      recipient,
      '--to',
      file,
    ])
    expect(enc.code).toBe(0)

    // the machine loses .env.local and gets a broken .env
    fs.rmSync(path.join(dir, '.env.local'))
    fs.writeFileSync(path.join(dir, '.env'), 'PORT=1\n')
    const diff = await run(['env', 'diff', file])
    expect(diff.json.data.diff).toMatchObject({
      added: ['.env.local'],
      changed: ['.env'],
      extra: [],
    })

    const restored = await run(['env', 'restore', '--local', file])
    expect(restored.code).toBe(0)
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe(ENV)
    expect(fs.readFileSync(path.join(dir, '.env.local'), 'utf8')).toBe(ENV_LOCAL)
    expect(fs.statSync(path.join(dir, '.env')).mode & 0o777).toBe(0o600)
    expect(fs.statSync(path.join(dir, '.env.local')).mode & 0o777).toBe(0o600)
    // the replaced bytes are kept, encrypted, 0600, under .git/cpo/env/before/
    expect(fs.statSync(restored.json.data.beforeFile).mode & 0o777).toBe(0o600)
    const kept = JSON.parse(fs.readFileSync(restored.json.data.beforeFile, 'utf8'))
    expect(kept.encrypted).toMatchObject({ kind: 'recipients', recipients: [recipient] })
    expect(kept.files.map((f: any) => f.path)).toEqual(['.env'])

    const undo = await run(['undo', restored.json.data.opId])
    expect(undo.json.ok).toBe(true)
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe('PORT=1\n')
    expect(fs.existsSync(path.join(dir, '.env.local'))).toBe(false)
    // and the undo can be undone
    const redo = await run(['undo'])
    expect(redo.json.ok).toBe(true)
    expect(fs.readFileSync(path.join(dir, '.env.local'), 'utf8')).toBe(ENV_LOCAL)
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')

    // with --prune an extra .env file goes, and comes back with undo
    writeFiles(dir, { '.env.test': 'X=1\n' })
    const pruned = await run(['env', 'restore', '--local', '--prune', file])
    expect(pruned.json.data.removed).toEqual(['.env.test'])
    expect(fs.existsSync(path.join(dir, '.env.test'))).toBe(false)
    await run(['undo'])
    expect(fs.readFileSync(path.join(dir, '.env.test'), 'utf8')).toBe('X=1\n')

    const secrets = [API_KEY, DB_PW, 'sk-proj-localTESTkey', identity]
    expectNoLeak([redacted, enc, diff, restored, undo, redo, pruned], secrets)
    // only the .env files themselves hold the values
    expect(filesContaining(dir, secrets, (rel) => /^\.env/.test(rel))).toEqual([])
    expect(filesContaining(out, secrets)).toEqual([])
  }, 60_000)

  it('a missing or a wrong identity is a clear error, with nothing changed', async () => {
    const dir = makeRepo({ 'src/app.js': 'x\n', '.gitignore': '.env*\n' })
    writeFiles(dir, { '.env': ENV })
    commitAll(dir, 'x')
    const identity = await generateIdentity()
    const recipient = await identityToRecipient(identity)
    const file = path.join(tempDir(), 'b.json')
    await cpoAsync(dir, [
      'env',
      'backup',
      '--local',
      '--encrypt',
      '--recipient',
      recipient,
      '--to',
      file,
    ])
    fs.writeFileSync(path.join(dir, '.env'), 'PORT=2\n')
    const none = await cpoAsync(dir, ['--json', 'env', 'restore', '--local', file], {
      CPO_ENV_IDENTITY: '',
    })
    expect(none.code).toBe(2)
    expect(none.json.error?.code).toBe('ENV_KEY_MISSING')
    expect(none.json.error?.hint).toContain('CPO_ENV_IDENTITY')
    const other = await generateIdentity()
    const wrong = await cpoAsync(dir, ['--json', 'env', 'restore', '--local', file], {
      CPO_ENV_IDENTITY: other,
    })
    expect(wrong.code).toBe(5)
    expect(wrong.json.error?.code).toBe('ENV_DECRYPT_FAILED')
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe('PORT=2\n')
    expect(fs.existsSync(path.join(dir, '.git', 'cpo', 'oplog.jsonl'))).toBe(false)
  })
})
