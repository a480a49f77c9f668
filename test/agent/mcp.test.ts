import path from 'node:path'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, sh, writeFiles } from '../helpers/repo.js'

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

async function connect(root: string): Promise<Client> {
  const c = new Client({ name: 'test', version: '1.0.0' })
  await c.connect(
    new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '-C', root] }),
  )
  client = c
  return c
}

async function call(c: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const r = await c.callTool({ name, arguments: args })
  return r.structuredContent
}

const head = (dir: string) => sh(dir, 'git', 'rev-parse', 'HEAD').trim()

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
})
