import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { copyOf, cpo, fingerprint, keep, makeRepo, sh, writeFiles } from '../helpers/repo.js'

const PROJECT = {
  project: { name: 'shop', status: 'in_progress' },
  stages: [
    { id: 'Stage 2.1', name: 'Auth', status: 'in_progress', dependsOn: [] },
    { id: 'Stage 2.2', name: 'Cart', status: 'pending', dependsOn: ['Stage 2.1'] },
  ],
  currentStage: null,
  currentPhase: 3,
}

let base: string
beforeAll(() => {
  base = keep(makeRepo({ 'master-project.json': `${JSON.stringify(PROJECT, null, 2)}\n` }))
})

/** The first `cpo …` command a hint names, as the shell would split it. */
function hintedCommand(hint: string): string {
  const m = /`(cpo [^`]+)`/.exec(hint)
  if (!m?.[1]) throw new Error(`no command in hint: ${hint}`)
  return m[1]
}

describe('the --json contract', () => {
  it('a damaged master-project.json: exit 5 and ok:false, the partial status beside the error', () => {
    const dir = copyOf(base)
    writeFiles(dir, { 'master-project.json': '{"stages": [' })
    const r = cpo(dir, ['--json', 'status'])
    expect(r.code).toBe(5)
    expect(r.json.ok).toBe(false)
    expect(r.json.error?.code).toBe('STATE_FILE_INVALID_JSON')
    expect((r.json.error as { details?: { file?: string } }).details?.file).toBe(
      'master-project.json',
    )
    expect(r.json.data.root).toBe(dir)
    expect(r.json.data.head).toBe(sh(dir, 'git', 'rev-parse', 'HEAD').trim())
  })

  it('error.details reaches --json and, short, the text', () => {
    const dir = copyOf(base)
    const r = cpo(dir, ['--json', 'stage', 'start', 'S9'])
    expect(r.code).toBe(3)
    expect((r.json.error as { details?: unknown }).details).toEqual({
      ref: 'S9',
      known: ['Stage 2.1', 'Stage 2.2'],
    })
    const text = cpo(dir, ['stage', 'start', 'S9'])
    expect(text.stderr).toContain('  known: ["Stage 2.1","Stage 2.2"]')
  })

  it('a hint names the real id, quoted, and runs as printed', () => {
    const dir = copyOf(base)
    const r = cpo(dir, ['--json', 'stage', 'start', 'Stage 2.2'])
    expect(r.json.error?.code).toBe('DEPENDENCIES_NOT_DONE')
    const hint = r.json.error?.hint ?? ''
    expect(hint).toContain('`cpo stage complete "Stage 2.1"`')
    expect(hint).toContain('`cpo stage start "Stage 2.2" --ignore-deps`')
    // The printed command, run by a shell, reaches the command with the id intact.
    const cmd = hintedCommand(hint).replace(/^cpo /, '')
    const bin = path.resolve(import.meta.dirname, '../../bin/cpo.js')
    const run = spawnSync('sh', ['-c', `node ${bin} --json ${cmd} --dry-run`], {
      cwd: dir,
      encoding: 'utf8',
    })
    const out = JSON.parse(run.stdout)
    expect(out.ok).toBe(true)
    expect(out.data.plan.stage.id).toBe('Stage 2.1')
  })

  it('usage errors carry a hint with the command to read', () => {
    const r = cpo(copyOf(base), ['--json', 'rollback', 'stage', '--bogus'])
    expect(r.code).toBe(2)
    expect(r.json.error?.code).toBe('USAGE')
    expect(r.json.error?.hint).toContain('`cpo rollback stage --help`')
  })

  it('numeric options are whole numbers', () => {
    const r = cpo(copyOf(base), ['--json', 'log', '-n', 'abc'])
    expect(r.code).toBe(2)
    expect(r.json.error?.message).toBe('--limit: expected a whole number, got abc')
  })

  it('help, version and no command print JSON with --json', () => {
    const dir = copyOf(base)
    const tree = cpo(dir, ['--json'])
    expect(tree.code).toBe(0)
    expect(tree.json.data.commands.map((c: { name: string }) => c.name)).toContain('rollback')
    expect(cpo(dir, ['--json', '--version']).json.data).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    })
    for (const args of [
      ['--json', 'help', 'stage', 'start'],
      ['stage', 'start', '--help', '--json'],
    ]) {
      const r = cpo(dir, args)
      expect(r.json.data.path).toBe('cpo stage start')
      expect(r.json.data.options.map((o: { flags: string }) => o.flags)).toContain('--dry-run')
    }
  })

  it('subcommand --help shows the global options, stage-id forms, exit codes and an example', () => {
    const r = cpo(copyOf(base), ['rollback', 'stage', '--help'])
    expect(r.stdout).toContain('Global Options:')
    expect(r.stdout).toContain('--wait [seconds]')
    expect(r.stdout).toContain('"Stage 2.1"')
    expect(r.stdout).toContain('5 invalid input')
    expect(r.stdout).toMatch(/Example: cpo rollback stage /)
  })

  it('dry run and real run share one shape: data.plan in both, data.result when it ran', () => {
    const dir = copyOf(base)
    const before = fingerprint(dir)
    const dry = cpo(dir, ['--json', 'checkpoint', 'create', 'mark', '--dry-run'])
    expect(dry.json.data).toEqual({ dryRun: true, plan: expect.any(Object) })
    expect(fingerprint(dir)).toEqual(before)
    const real = cpo(dir, ['--json', 'checkpoint', 'create', 'mark'])
    expect(real.json.data.dryRun).toBe(false)
    expect(real.json.data.plan).toEqual(dry.json.data.plan)
    expect(real.json.data.result.tag).toBe('checkpoint/mark')
    expect(sh(dir, 'git', 'rev-parse', 'checkpoint/mark^{commit}').trim()).toBe(
      real.json.data.result.commit,
    )
  })

  it('status tells an operation still running (live lock holder) from an interrupted one', () => {
    const dir = copyOf(base)
    const cpoDir = path.join(dir, '.git/cpo')
    fs.mkdirSync(cpoDir, { recursive: true })
    const begun = (id: string, time: string) =>
      JSON.stringify({ type: 'begun', id, command: 'snapshot', args: [], time, before: 'x' })
    fs.writeFileSync(
      path.join(cpoDir, 'oplog.jsonl'),
      `${begun('20260101-000000-000-aaaa', '2026-01-01T00:00:00.000Z')}\n`,
    )
    const interrupted = cpo(dir, ['--json', 'status'])
    expect(interrupted.json.data.pendingRecovery.map((o: { id: string }) => o.id)).toEqual([
      '20260101-000000-000-aaaa',
    ])
    expect(interrupted.json.data.running).toEqual([])

    // This test's own process holds the lock: alive, on this host.
    const startedAt = '2026-01-01T00:00:00.000Z'
    fs.writeFileSync(
      path.join(cpoDir, 'lock'),
      JSON.stringify({ pid: process.pid, host: os.hostname(), command: 'snapshot', startedAt }),
    )
    const running = cpo(dir, ['--json', 'status'])
    expect(running.json.data.running.map((o: { id: string }) => o.id)).toEqual([
      '20260101-000000-000-aaaa',
    ])
    expect(running.json.data.pendingRecovery).toEqual([])
    const text = cpo(dir, ['status'])
    expect(text.stdout).toContain('RUNNING: 20260101-000000-000-aaaa (cpo snapshot)')
    expect(text.stdout).not.toContain('INTERRUPTED')
  })
})
