import fs from 'node:fs'
import path from 'node:path'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { afterEach, describe, expect, it } from 'vitest'
import { buildDrizzleProject, sql } from '../db/drizzle-project.js'
import { copyOf, makeRepo, sh, writeFiles } from '../helpers/repo.js'

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')

const PROJECT = {
  project: { name: 'shop', status: 'in_progress' },
  stages: [
    {
      id: 'S1',
      name: 'Auth',
      status: 'pending',
      dependsOn: [],
      stories: [{ id: 'S1-US-001', title: 'login', passes: false }],
    },
  ],
  currentStage: null,
  currentPhase: 3,
  verification: { test: 'echo "2 tests failed"; exit 3' },
}

let client: Client | undefined
afterEach(async () => {
  await client?.close()
  client = undefined
})

/** Every message the server sent, in the order it came, as the transport read it. */
let wire: any[] = []

async function connect(root: string, env?: Record<string, string>): Promise<Client> {
  const c = new Client({ name: 'test', version: '1.0.0' })
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '-C', root],
    ...(env ? { env: { ...(process.env as Record<string, string>), ...env } } : {}),
  })
  await c.connect(transport)
  wire = []
  const deliver = transport.onmessage
  transport.onmessage = (message) => {
    wire.push(message)
    deliver?.(message)
  }
  client = c
  return c
}

async function call(c: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const r = await c.callTool({ name, arguments: args })
  return r.structuredContent
}

const head = (dir: string) => sh(dir, 'git', 'rev-parse', 'HEAD').trim()
const onDisk = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8'))
const tables = (dir: string) =>
  sql(dir, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;").trim().split('\n')

/** Runs a plan-then-confirm tool call; returns both answers. */
async function confirmed(c: Client, name: string, args: Record<string, unknown>) {
  const plan = await call(c, name, args)
  expect(plan.ok, JSON.stringify(plan)).toBe(true)
  const done = await call(c, name, { ...args, confirm: true, planId: plan.data.planId })
  return { plan, done }
}

describe('cpo mcp, driven by the SDK client over stdio', () => {
  it('stage start, a failing stage complete, rollback plan, confirm, undo', async () => {
    const dir = makeRepo({ 'master-project.json': `${JSON.stringify(PROJECT, null, 2)}\n` })
    const c = await connect(dir)

    const tools = (await c.listTools()).tools
    const rollback = tools.find((t) => t.name === 'rollback_stage')
    expect(rollback?.inputSchema.properties).toHaveProperty('planId')
    expect(rollback?.outputSchema).toBeDefined()

    const started = await call(c, 'stage_start', { stage: 'S1' })
    expect(started.ok).toBe(true)
    const start = sh(dir, 'git', 'rev-parse', 'checkpoint/stage-1-start^{commit}').trim()
    expect(started.data.result.commit).toBe(start)

    writeFiles(dir, { 'src/login.ts': 'export const login = 1\n' })
    sh(dir, 'git', 'add', '-A')
    sh(dir, 'git', 'commit', '-qm', 'feat(S1-US-001): login')
    const work = head(dir)

    const failed = await call(c, 'stage_complete', { stage: 'S1' })
    expect(failed.ok).toBe(false)
    expect(failed.error.code).toBe('VERIFICATION_FAILED')
    expect(failed.error.details.failed.exitCode).toBe(3)
    expect(failed.error.hint).toContain('`cpo stage complete S1`')
    expect(sh(dir, 'git', 'tag', '-l', 'checkpoint/stage-1-complete')).toBe('')

    const plan = await call(c, 'rollback_stage', { stage: 'S1', reason: 'tests fail' })
    expect(plan.ok).toBe(true)
    expect(plan.data.dryRun).toBe(true)
    expect(plan.data.plan.target.commit).toBe(start)
    expect(head(dir)).toBe(work) // the plan changed nothing

    // The repository changes between plan and confirmation: the plan is refused.
    writeFiles(dir, { 'notes.txt': 'new\n' })
    const stale = await call(c, 'rollback_stage', {
      stage: 'S1',
      reason: 'tests fail',
      confirm: true,
      planId: plan.data.planId,
    })
    expect(stale.error.code).toBe('PLAN_STALE')
    expect(head(dir)).toBe(work)

    const fresh = await call(c, 'rollback_stage', { stage: 'S1', reason: 'tests fail' })
    const wrong = await call(c, 'rollback_stage', {
      stage: 'S1',
      reason: 'other',
      confirm: true,
      planId: fresh.data.planId,
    })
    expect(wrong.error.code).toBe('PLAN_MISMATCH')
    const done = await call(c, 'rollback_stage', {
      stage: 'S1',
      reason: 'tests fail',
      confirm: true,
      planId: fresh.data.planId,
    })
    expect(done.ok).toBe(true)
    // The stage's code is gone from the branch and the work tree; the state says pending again.
    expect(sh(dir, 'git', 'ls-files', 'src')).toBe('')
    expect(sh(dir, 'git', 'diff', '--stat', start, 'HEAD', '--', 'src')).toBe('')
    const state = JSON.parse(sh(dir, 'git', 'show', 'HEAD:master-project.json'))
    expect(state.stages[0].status).toBe('pending')

    const undoPlan = await call(c, 'undo', {})
    expect(undoPlan.data.plan.command).toBe('cpo undo')
    const undone = await call(c, 'undo', { confirm: true, planId: undoPlan.data.planId })
    expect(undone.ok).toBe(true)
    expect(head(dir)).toBe(work)
    expect(sh(dir, 'git', 'show', 'HEAD:src/login.ts')).toBe('export const login = 1\n')

    const log = await c.readResource({ uri: 'cpo://log' })
    const text = (log.contents[0] as { text: string }).text
    expect(JSON.parse(text).data.operations[0].command).toBe('undo')
  }, 60_000)

  it('the newer tools on a SQLite project: db status, stage skip, undo and redo, rollback to with the database', async () => {
    const dir = copyOf(buildDrizzleProject().dir)
    const c = await connect(dir)
    const names = (await c.listTools()).tools.map((t) => t.name)
    for (const n of ['rollback_to', 'rollback_deploy', 'stage_skip', 'story_fail', 'redo']) {
      expect(names).toContain(n)
    }
    for (const n of ['diagnose', 'bisect', 'check', 'state_repair', 'db_status', 'deploy_list']) {
      expect(names).toContain(n)
    }

    const db = await call(c, 'db_status')
    expect(db.ok, JSON.stringify(db)).toBe(true)
    expect(db.data.found.engine.value).toBe('sqlite')
    expect(db.data.migrations.inSync).toBe(true)
    expect(db.data.migrations.applied).toHaveLength(2)

    const work = head(dir)
    const skipped = await call(c, 'stage_skip', { stage: 'S2', reason: 'not needed' })
    expect(skipped.ok, JSON.stringify(skipped)).toBe(true)
    expect(onDisk(dir).stages[1].status).toBe('skipped')
    expect(head(dir)).toBe(work) // the work tree only

    const undo = await confirmed(c, 'undo', {})
    expect(undo.done.ok).toBe(true)
    expect(onDisk(dir).stages[1].status).toBe('pending')
    const redo = await confirmed(c, 'redo', {})
    expect(redo.plan.data.dryRun).toBe(true)
    expect(redo.done.ok, JSON.stringify(redo.done)).toBe(true)
    expect(onDisk(dir).stages[1].status).toBe('skipped')

    const start = sh(dir, 'git', 'rev-parse', 'checkpoint/stage-1-start^{commit}').trim()
    const args = { name: 'stage-1-start', reason: 'posts were wrong', withDb: true }
    const plan = await call(c, 'rollback_to', args)
    expect(plan.data.plan.target.commit).toBe(start)
    expect(tables(dir)).toContain('posts') // the plan changed nothing
    const done = await call(c, 'rollback_to', { ...args, confirm: true, planId: plan.data.planId })
    expect(done.ok, JSON.stringify(done)).toBe(true)
    expect(sh(dir, 'git', 'diff', '--stat', start, 'HEAD', '--', 'src', 'drizzle')).toBe('')
    expect(fs.existsSync(path.join(dir, 'drizzle/0001_posts.sql'))).toBe(false)
    expect(tables(dir)).not.toContain('posts')
    expect(sql(dir, 'SELECT name FROM users ORDER BY id;')).toBe('ada\ngrace\n')
    const after = await call(c, 'db_status')
    expect(after.data.migrations.inSync).toBe(true)
  }, 120_000)

  it('a long tool sends progress notifications the client receives', async () => {
    const dir = makeRepo({ 'master-project.json': `${JSON.stringify(PROJECT, null, 2)}\n` })
    const c = await connect(dir)
    const seen: Array<{ progress: number; total?: number; message?: string }> = []
    const r = await c.callTool(
      { name: 'diagnose', arguments: {} },
      { onprogress: (p) => seen.push(p) },
    )
    expect((r.structuredContent as any).data.classification.symptom).toBe('tests-fail-new-stage')
    // What the server sent, read off the wire: the SDK client hands a notification to its
    // handler a tick later, so one that arrives in the same read as the answer is dropped there.
    const answer = wire.findIndex((m) => m.result?.structuredContent?.data?.classification)
    const sent = wire.flatMap((m, i) =>
      m.method === 'notifications/progress' ? [{ ...m.params, before: i < answer }] : [],
    )
    // Started, one per check as it ends, done: in order, all before the answer, the last complete.
    expect(sent.every((p) => p.before)).toBe(true)
    const progress = sent.map((p) => p.progress)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    expect(sent[0]?.message).toBe('diagnose: started')
    const messages = sent.map((p) => p.message ?? '')
    expect(messages.filter((m) => /^diagnose: [✓✗–!] \w+ \(/.test(m)).length).toBeGreaterThan(3)
    expect(messages.some((m) => m.startsWith('diagnose: ✗ test ('))).toBe(true)
    const last = sent.at(-1)
    expect(last?.message).toBe('diagnose: done')
    expect(last?.total).toBe(last?.progress)
    // The client's own handler got them, as far as it keeps them: in order, from the first.
    expect(seen.length).toBeGreaterThan(0)
    expect(seen).toEqual(
      sent.slice(0, seen.length).map(({ before: _, progressToken: __, ...p }) => p),
    )
  }, 60_000)

  it('env tools: a local .env backed up encrypted, damaged, diffed and restored in two steps, no value in any answer', async () => {
    const secret = 'sk_live_mcpTESTsecret4242'
    const env = `PORT=3000\nSTRIPE_SECRET_KEY=${secret}\n`
    const dir = makeRepo({ 'src/app.js': 'x\n', '.gitignore': '.env*\n' })
    writeFiles(dir, { '.env': env })
    const c = await connect(dir, { CPO_ENV_PASSPHRASE: 'mcp-pass-phrase-17' })
    const names = (await c.listTools()).tools.map((t) => t.name)
    for (const n of ['env_backup', 'env_diff', 'env_restore', 'deploy_commit', 'deploy_revert']) {
      expect(names).toContain(n)
    }
    const answers: unknown[] = []
    const ask = async (name: string, args: Record<string, unknown>) => {
      const r = await c.callTool({ name, arguments: args })
      answers.push(r)
      return r.structuredContent as any
    }

    const backup = await ask('env_backup', { local: true, encrypt: true })
    expect(backup.ok, JSON.stringify(backup)).toBe(true)
    expect(backup.data).toMatchObject({ encrypted: true, names: ['.env'] })
    const file = backup.data.file as string
    expect(fs.readFileSync(file, 'utf8')).not.toContain(secret)

    fs.writeFileSync(path.join(dir, '.env'), 'PORT=1\n')
    const diff = await ask('env_diff', { file })
    expect(diff.ok, JSON.stringify(diff)).toBe(true)
    expect(diff.data.diff).toMatchObject({ added: [], changed: ['.env'], extra: [] })

    const args = { file, local: true }
    const plan = await ask('env_restore', args)
    expect(plan.ok, JSON.stringify(plan)).toBe(true)
    expect(plan.data.dryRun).toBe(true)
    expect(plan.data.plan.diff.changed).toEqual(['.env'])
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe('PORT=1\n') // the plan wrote nothing
    const done = await ask('env_restore', { ...args, confirm: true, planId: plan.data.planId })
    expect(done.ok, JSON.stringify(done)).toBe(true)
    expect(done.data.written).toEqual(['.env'])
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe(env)
    expect(fs.statSync(path.join(dir, '.env')).mode & 0o777).toBe(0o600)

    const undo = await confirmed(c, 'undo', { op: done.data.opId })
    expect(undo.done.ok, JSON.stringify(undo.done)).toBe(true)
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe('PORT=1\n')

    // the pin tools refuse a platform that pins nothing, with the error envelope
    const commit = await ask('deploy_commit', {})
    expect(commit.ok).toBe(false)

    for (const a of [...answers, undo.plan, undo.done]) {
      expect(JSON.stringify(a)).not.toContain(secret)
    }
  }, 60_000)
})
