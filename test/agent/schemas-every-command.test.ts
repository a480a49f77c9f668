import fs from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/main.js'
import { SCHEMAS } from '../../src/cli/schemas/index.js'
import { buildDrizzleProject } from '../db/drizzle-project.js'
import { cpoAsync } from '../deploy/run.js'
import { startPlatformServer } from '../helpers/platform-server.js'
import { commitAll, copyOf, cpo, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { digitalOceanFake } from './digitalocean-fake.js'

/**
 * One table: every command cpo has, run for real with --json (success, dry run, an error) in
 * one scenario on a SQLite project with a local deployment and a backup store, each output
 * checked against the command's own published schema. A command missing from the table, or
 * without a schema of its own, fails the test.
 */
type Outputs = Record<string, any>
type Step = [name: string, args: string[] | ((o: Outputs) => string[]), code?: 'ok' | 'error']

/** `cpo mcp` answers over stdio in MCP's own protocol, not with one --json document. */
const NOT_JSON = new Set(['mcp'])

const LOCAL_ENV = 'PORT=3000\nAPI_KEY=table-secret-value-91\n'

let fixture: string
beforeAll(() => {
  fixture = buildDrizzleProject().dir
}, 120_000)

function steps(store: string, restored: string, envFile: string): Step[] {
  const s = (name: string, args: string[] | ((o: Outputs) => string[]), code?: 'ok' | 'error') =>
    [name, args, code] as Step
  return [
    s('status', ['status']),
    s('init', ['init']),
    s('timeline', ['timeline']),
    s('schema', ['schema', 'status']),
    s('schema', ['schema', 'nope'], 'error'),
    s('skill', ['skill']),
    s('completion', ['completion', 'bash']),
    s('snapshot', ['snapshot', '-m', 'first']),
    s('snapshot list', ['snapshot', 'list']),
    s('snapshot restore', (o) => ['snapshot', 'restore', o.snapshot.data.snapshot.id, '--yes']),
    s('snapshot restore', ['snapshot', 'restore', 'nope'], 'error'),
    s('log', ['log', '-n', '5']),
    s('checkpoint create', ['checkpoint', 'create', 'mark', '--dry-run']),
    s('checkpoint create', ['checkpoint', 'create', 'mark']),
    s('checkpoint list', ['checkpoint', 'list']),
    s('checkpoint show', ['checkpoint', 'show', 'mark']),
    s('checkpoint show', ['checkpoint', 'show', 'nope'], 'error'),
    s('checkpoint sidecars', ['checkpoint', 'sidecars', '--dry-run']),
    s('checkpoint diff', ['checkpoint', 'diff', 'stage-1-start', 'mark']),
    s('checkpoint delete', ['checkpoint', 'delete', 'mark', '--dry-run']),
    s('checkpoint delete', ['checkpoint', 'delete', 'mark', '--yes']),
    s('checkpoint push', ['checkpoint', 'push']),
    s('checkpoint pull', ['checkpoint', 'pull']),
    s('checkpoint pull', ['checkpoint', 'pull', 'nowhere'], 'error'),
    s('story fail', ['story', 'fail', 'S1-US-001', '--dry-run']),
    s('story fail', ['story', 'fail', 'S1-US-001', '--reason', 'flaky']),
    s('story pass', ['story', 'pass', 'S1-US-001']),
    s('story pass', ['story', 'pass', 'S9-US-009'], 'error'),
    s('stage complete', ['stage', 'complete', 'S1', '--dry-run']),
    s('stage complete', ['stage', 'complete', 'S1']),
    s('stage start', ['stage', 'start', 'S2', '--dry-run']),
    s('stage start', ['stage', 'start', 'S2']),
    s('stage start', ['stage', 'start', 'S9'], 'error'),
    s('stage skip', ['stage', 'skip', 'S2', '--reason', 'later', '--force', '--dry-run']),
    s('stage skip', ['stage', 'skip', 'S9', '--reason', 'x'], 'error'),
    s('phase complete', ['phase', 'complete', '3', '--dry-run', '--force']),
    s('phase complete', ['phase', 'complete', '9'], 'error'),
    s('diagnose', ['diagnose']),
    s('diagnose', ['diagnose', '--symptom', 'nope'], 'error'),
    s('check', ['check']),
    s('state repair', ['state', 'repair', '--dry-run']),
    s('state repair', ['state', 'repair']),
    s('bisect', ['bisect', '--command', 'test ! -f drizzle/0001_posts.sql']),
    s('bisect', ['bisect', '--command', 'true'], 'error'),
    s('db status', ['db', 'status']),
    s('db list', ['db', 'list']),
    s('db checkpoint', ['db', 'checkpoint', 'mine', '--dry-run']),
    s('db checkpoint', ['db', 'checkpoint', 'mine']),
    s('db diff', ['db', 'diff', 'stage-1-start']),
    // The project's database is SQLite: down SQL is PostgreSQL's (test/db-pg/cli.test.ts runs it).
    s('db down-sql', ['db', 'down-sql', 'mine'], 'error'),
    s('db restore', ['db', 'restore', 'mine', '--dry-run']),
    s('db restore', ['db', 'restore', 'mine', '--yes']),
    s('db restore', ['db', 'restore', 'nope', '--yes'], 'error'),
    s('db prune', ['db', 'prune', '--keep-last', '5', '--dry-run']),
    s('deploy local publish', ['deploy', 'local', 'publish', 'build']),
    s('deploy local publish', ['deploy', 'local', 'publish', 'build']),
    s('deploy list', ['deploy', 'list']),
    s('deploy status', ['deploy', 'status']),
    s('deploy record', ['deploy', 'record'], 'error'),
    s('rollback deploy', ['rollback', 'deploy', '--reason', 'broken', '--dry-run']),
    s('rollback deploy', ['rollback', 'deploy', '--reason', 'broken', '--yes']),
    s('deploy promote', (o) => [
      'deploy',
      'promote',
      o['deploy list'].data.deployments[0].id,
      '--yes',
    ]),
    s('rollback stage', ['rollback', 'stage', 'S2', '--reason', 'x', '--dry-run']),
    s('rollback stage', ['rollback', 'stage', 'S2', '--reason', 'x', '--yes']),
    s('rollback phase', ['rollback', 'phase', '2', '--reason', 'x', '--dry-run'], 'error'),
    s('rollback project', ['rollback', 'project', '--reason', 'x', '--dry-run']),
    s('rollback to', ['rollback', 'to', 'stage-1-start', '--reason', 'x', '--dry-run']),
    s('rollback to', ['rollback', 'to', 'stage-1-strat', '--reason', 'x'], 'error'),
    s('rollback story', ['rollback', 'story', 'S1-US-002', '--reason', 'x', '--dry-run']),
    s('undo', ['undo', '--dry-run']),
    s('undo', ['undo', '--yes']),
    s('redo', ['redo', '--dry-run']),
    s('redo', ['redo', '--yes']),
    s('recover', ['recover']),
    s('backup create', ['backup', 'create', '--store', store]),
    s('backup list', ['backup', 'list', '--store', store]),
    s('backup verify', (o) => ['backup', 'verify', o['backup create'].data.id, '--store', store]),
    s('backup pin', (o) => ['backup', 'pin', o['backup create'].data.id, '--store', store]),
    s('backup unpin', (o) => ['backup', 'unpin', o['backup create'].data.id, '--store', store]),
    s('backup prune', ['backup', 'prune', '--keep-last', '3', '--dry-run', '--store', store]),
    s('restore', (o) => ['restore', o['backup create'].data.id, restored, '--store', store]),
    s('restore', ['restore', 'nope', restored, '--store', store], 'error'),
    s('env backup', ['env', 'backup', '--local']),
    s('env backup', ['env', 'backup', '--local', '--encrypt', '--to', envFile]),
    s('env backup', ['env', 'backup', '--platform', 'nope'], 'error'),
    s('env diff', ['env', 'diff', envFile]),
    s('env diff', ['env', 'diff', 'nope.json'], 'error'),
    s('env restore', ['env', 'restore', '--local', '--dry-run', envFile]),
    s('env restore', ['env', 'restore', '--local', envFile]),
    s('env restore', ['env', 'restore', '--local', 'nope.json'], 'error'),
    // the local platform pins nothing; their success runs are on the DigitalOcean fake below
    s('deploy commit', ['deploy', 'commit'], 'error'),
    s('deploy revert', ['deploy', 'revert'], 'error'),
  ]
}

/** Every command with an action of its own, as `cpo schema` names it. */
function runnable(cmd: Command, words: string[] = []): string[] {
  return cmd.commands.flatMap((c) => {
    const w = [...words, c.name()]
    const own = (c as unknown as { _actionHandler: unknown })._actionHandler != null
    return [...(own ? [w.join(' ')] : []), ...runnable(c, w)]
  })
}

describe('every command has a schema, and its real output matches it', () => {
  it('one table of commands: success, dry run and error outputs validate', () => {
    const dir = copyOf(fixture)
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8'))
    state.stages[0].stories = [
      { id: 'S1-US-001', title: 'users', passes: false, attempts: 0 },
      { id: 'S1-US-002', title: 'posts', passes: true, attempts: 1 },
    ]
    writeFiles(dir, {
      'master-project.json': `${JSON.stringify(state, null, 2)}\n`,
      'cpo.config.json': `${JSON.stringify({ deployment: { platform: 'local' } })}\n`,
      'build/index.html': 'v1\n',
    })
    commitAll(dir, 'chore: stories and deployment')
    const remote = tempDir()
    sh(remote, 'git', 'init', '-q', '--bare')
    sh(dir, 'git', 'remote', 'add', 'origin', remote)
    const store = tempDir()
    const restored = path.join(tempDir(), 'restored')
    const envFile = path.join(tempDir(), 'env.json')

    const outputs: Outputs = {}
    const covered = new Set<string>()
    for (const [name, args, expected = 'ok'] of steps(store, restored, envFile)) {
      const argv = typeof args === 'function' ? args(outputs) : args
      // a local .env file to back up, then damaged so the restore has something to write back
      if (name === 'env backup') fs.writeFileSync(path.join(dir, '.env.local'), LOCAL_ENV)
      if (name === 'env diff') fs.writeFileSync(path.join(dir, '.env.local'), 'PORT=1\n')
      const r = cpo(dir, ['--json', ...argv], { CPO_ENV_PASSPHRASE: 'table-pass-phrase' })
      const what = `cpo ${argv.join(' ')} (exit ${r.code}):\n${r.stdout}${r.stderr}`
      const envelope = JSON.parse(r.stdout)
      expect(envelope.ok, what).toBe(expected === 'ok')
      expect(r.code === 0, what).toBe(expected === 'ok')
      expect(name in SCHEMAS, `no schema for "${name}"`).toBe(true)
      const parsed = SCHEMAS[name]?.safeParse(envelope)
      expect(parsed?.success, `${what}\n${parsed?.error?.message}`).toBe(true)
      if (expected === 'ok') outputs[name] = envelope
      covered.add(name)
    }
    expect(fs.readFileSync(path.join(dir, '.env.local'), 'utf8')).toBe(LOCAL_ENV)
    const all = runnable(buildProgram()).filter((n) => !NOT_JSON.has(n))
    expect(all.filter((n) => !covered.has(n))).toEqual([])
    expect(all.filter((n) => !(n in SCHEMAS))).toEqual([])
  }, 240_000)
})

describe('the pin commands, on the DigitalOcean fake', () => {
  it('deploy commit and deploy revert succeed and their outputs validate', async () => {
    const server = await startPlatformServer()
    const state = digitalOceanFake(server, 'app-1')
    const dir = makeRepo({
      'cpo.config.json': `${JSON.stringify({ deployment: { platform: 'digitalocean', appId: 'app-1' } })}\n`,
    })
    const env = { DIGITALOCEAN_TOKEN: 'dop_v1_schema_test', CPO_DIGITALOCEAN_API_URL: server.url }
    const run = async (name: string, argv: string[]) => {
      const r = await cpoAsync(dir, ['--json', ...argv], env)
      const what = `cpo ${argv.join(' ')} (exit ${r.code}):\n${r.stdout}${r.stderr}`
      expect(r.code, what).toBe(0)
      const parsed = SCHEMAS[name]?.safeParse(JSON.parse(r.stdout))
      expect(parsed?.success, `${what}\n${parsed?.error?.message}`).toBe(true)
      return r.json
    }

    await run('rollback deploy', ['rollback', 'deploy', '--reason', 'd2 returns 500s', '--yes'])
    expect(state.pinned).toBe('rb1')
    const commit = await run('deploy commit', ['deploy', 'commit'])
    expect(commit.data.kept).toBe('rb1')
    expect(state.pinned).toBeNull()
    expect(server.calls('POST /v2/apps/:app/rollback/commit')).toHaveLength(1)

    await run('rollback deploy', ['rollback', 'deploy', '--to', 'd1', '--reason', 'x', '--yes'])
    expect(state.pinned).toBe('rb2')
    const revert = await run('deploy revert', ['deploy', 'revert'])
    expect(revert.data.pinned).toBe('rb2')
    expect(state).toMatchObject({ pinned: null, active: 'rb3' })
    expect(server.calls('POST /v2/apps/:app/rollback/revert')).toHaveLength(1)
  }, 60_000)
})
