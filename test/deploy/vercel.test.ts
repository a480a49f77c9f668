import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js'
import { commitAll, copyOf, keep, makeRepo, sh, writeFiles } from '../helpers/repo.js'
import { cpoAsync } from './run.js'

const TOKEN = 'vercel_tok_9c1e77ab3f'
const PROJECT = 'prj_demo'
const TEAM = 'team_acme'

/**
 * Vercel's documented contract as a local server: production deployments newest first, paged
 * with `until`; the project's `targets.production` and `lastAliasRequest`, which a rollback or
 * promote moves through pending → in-progress → succeeded after `pollsToFinish` reads.
 */
async function fakeVercel(o: { commits: string[]; pollsToFinish?: number; failJob?: boolean }) {
  const deployments = o.commits
    .map((sha, i) => ({
      uid: `dpl_${i + 1}`,
      name: 'demo',
      url: `demo-${i + 1}.vercel.app`,
      created: 1_700_000_000_000 + i * 60_000,
      state: 'READY',
      target: 'production',
      isRollbackCandidate: true,
      meta: { githubCommitSha: sha },
    }))
    .reverse()
  const project = {
    id: PROJECT,
    targets: { production: { id: deployments[0]?.uid } },
    autoAssignCustomDomains: true,
    lastAliasRequest: null as null | Record<string, unknown>,
  }
  let polls = 0
  const startJob = (to: string, type: string) => {
    polls = 0
    project.lastAliasRequest = {
      fromDeploymentId: project.targets.production.id,
      toDeploymentId: to,
      jobStatus: 'pending',
      requestedAt: Date.now(),
      type,
    }
    return { status: 201, body: {} }
  }
  const server = await startPlatformServer({
    'GET /v6/deployments': (req) => {
      const until = req.query.until ? Number(req.query.until) : Number.POSITIVE_INFINITY
      const limit = Number(req.query.limit ?? 20)
      const older = deployments.filter((d) => d.created < until)
      const page = older.slice(0, Math.min(limit, 2)) // two per page: paging is exercised
      const last = page.at(-1)
      return {
        body: {
          deployments: page,
          pagination: {
            count: page.length,
            next: older.length > page.length && last ? last.created : null,
          },
        },
      }
    },
    'GET /v9/projects/:id': () => {
      polls++
      const job = project.lastAliasRequest
      if (job && job.jobStatus !== 'succeeded' && job.jobStatus !== 'failed') {
        if (polls >= (o.pollsToFinish ?? 1)) {
          job.jobStatus = o.failJob ? 'failed' : 'succeeded'
          if (!o.failJob) project.targets.production.id = job.toDeploymentId as string
        } else job.jobStatus = 'in-progress'
      }
      return { body: project }
    },
    'GET /v13/deployments/:id': (req) => {
      const d = deployments.find((x) => x.uid === req.params.id)
      return d ? { body: d } : { status: 404, body: { error: { message: 'not found' } } }
    },
    'POST /v9/projects/:id/rollback/:dep': (req) => startJob(req.params.dep as string, 'rollback'),
    'POST /v1/projects/:id/rollback/:dep': (req) => startJob(req.params.dep as string, 'rollback'),
    'POST /v10/projects/:id/promote/:dep': (req) => startJob(req.params.dep as string, 'promote'),
  })
  return { server, project }
}

let template: { dir: string; commits: string[] } | undefined
function vercelRepo(): { dir: string; commits: string[] } {
  if (!template) {
    const dir = keep(makeRepo())
    writeFiles(dir, {
      '.vercel/project.json': JSON.stringify({ orgId: TEAM, projectId: PROJECT }),
    })
    const commits = [commitAll(dir, 'feat: one')]
    for (const n of ['two', 'three']) {
      writeFiles(dir, { 'app.txt': `${n}\n` })
      commits.push(commitAll(dir, `feat: ${n}`))
    }
    template = { dir, commits }
  }
  return { ...template, dir: copyOf(template.dir) }
}

const env = (server: PlatformServer) => ({ VERCEL_TOKEN: TOKEN, CPO_VERCEL_API_URL: server.url })

/** The token must never reach any output cpo writes: stdout, stderr, the journal, sidecars. */
function expectNoToken(dir: string, ...outputs: { stdout: string; stderr: string }[]) {
  for (const o of outputs) {
    expect(o.stdout).not.toContain(TOKEN)
    expect(o.stderr).not.toContain(TOKEN)
  }
  const walk = (d: string): string[] =>
    fs.existsSync(d)
      ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
          const p = path.join(d, e.name)
          return e.isDirectory() ? walk(p) : e.isFile() ? [p] : []
        })
      : []
  for (const file of [
    ...walk(path.join(dir, '.git', 'cpo')),
    ...walk(path.join(dir, '.checkpoints')),
  ]) {
    expect(fs.readFileSync(file, 'latin1'), file).not.toContain(TOKEN)
  }
  expect(sh(dir, 'git', 'for-each-ref', '--format=%(contents)', 'refs/tags')).not.toContain(TOKEN)
}

describe('vercel', () => {
  it('lists production deployments across pages, newest first, with the current one marked', async () => {
    const { dir, commits } = vercelRepo()
    const { server } = await fakeVercel({ commits })
    const r = await cpoAsync(dir, ['--json', 'deploy', 'list'], env(server))
    expect(r.json.data.deployments.map((d: any) => [d.id, d.current, d.commit])).toEqual([
      ['dpl_3', true, commits[2]],
      ['dpl_2', false, commits[1]],
      ['dpl_1', false, commits[0]],
    ])
    const pages = server.calls('GET /v6/deployments')
    expect(pages).toHaveLength(2)
    expect(pages[0]?.query).toMatchObject({
      projectId: PROJECT,
      target: 'production',
      teamId: TEAM,
    })
    expect(pages[0]?.query.until).toBeUndefined()
    expect(pages[1]?.query.until).toBe(String(1_700_000_000_000 + 60_000))
    for (const req of server.requests) expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expectNoToken(dir, r)
  })

  it('rolls back through /v9 and polls lastAliasRequest to the end; undo promotes the previous one', async () => {
    const { dir, commits } = vercelRepo()
    const { server, project } = await fakeVercel({ commits, pollsToFinish: 3 })
    const r = await cpoAsync(
      dir,
      ['--json', 'rollback', 'deploy', '--reason', 'dpl_3 is down'],
      env(server),
    )
    expect(r.code).toBe(0)
    expect(r.json.data.target.id).toBe('dpl_2')
    expect(r.json.data.job.state).toBe('succeeded')
    expect(project.targets.production.id).toBe('dpl_2')
    const [rollback] = server.calls('POST /v9/projects/:id/rollback/:dep')
    expect(rollback).toMatchObject({
      path: `/v9/projects/${PROJECT}/rollback/dpl_2`,
      query: { teamId: TEAM },
      body: {},
    })
    expect(server.calls('GET /v9/projects/:id').length).toBeGreaterThanOrEqual(3)
    expect(r.json.data.pitfalls.map((p: any) => p.code)).toEqual([
      'custom-domains-not-assigned',
      'env-not-rolled-back',
      'database-not-rolled-back',
    ])
    const undo = await cpoAsync(dir, ['--json', 'undo'], env(server))
    expect(undo.json.ok).toBe(true)
    const [promote] = server.calls('POST /v10/projects/:id/promote/:dep')
    expect(promote?.path).toBe(`/v10/projects/${PROJECT}/promote/dpl_3`)
    expect(project.targets.production.id).toBe('dpl_3')
    expectNoToken(dir, r, undo)
  })

  it('deploy promote makes a deployment serve, and undo promotes the one before', async () => {
    const { dir, commits } = vercelRepo()
    const { server, project } = await fakeVercel({ commits, pollsToFinish: 2 })
    const r = await cpoAsync(
      dir,
      ['--json', 'deploy', 'promote', 'dpl_1', '--reason', 'try v1'],
      env(server),
    )
    expect(r.json.data).toMatchObject({
      previous: { id: 'dpl_3' },
      target: { id: 'dpl_1' },
      job: { state: 'succeeded' },
    })
    expect(project.targets.production.id).toBe('dpl_1')
    await cpoAsync(dir, ['--json', 'undo'], env(server))
    expect(server.calls('POST /v10/projects/:id/promote/:dep').map((c) => c.path)).toEqual([
      `/v10/projects/${PROJECT}/promote/dpl_1`,
      `/v10/projects/${PROJECT}/promote/dpl_3`,
    ])
    expect(project.targets.production.id).toBe('dpl_3')
    const again = await cpoAsync(dir, ['--json', 'deploy', 'promote', 'dpl_3'], env(server))
    expect([again.code, again.json.error?.code]).toEqual([4, 'DEPLOYMENT_SERVES'])
  })

  it('falls back to the documented /v1 rollback when /v9 does not exist', async () => {
    const { dir, commits } = vercelRepo()
    const { server, project } = await fakeVercel({ commits })
    server.route('POST /v9/projects/:id/rollback/:dep', {
      status: 404,
      body: { error: { code: 'not_found', message: 'The requested API endpoint was not found.' } },
    })
    const r = await cpoAsync(
      dir,
      ['--json', 'rollback', 'deploy', '--to', 'dpl_1', '--reason', 'x'],
      env(server),
    )
    expect(r.json.ok).toBe(true)
    const [v1] = server.calls('POST /v1/projects/:id/rollback/:dep')
    expect(v1).toMatchObject({
      path: `/v1/projects/${PROJECT}/rollback/dpl_1`,
      query: { description: 'x' },
    })
    expect(project.targets.production.id).toBe('dpl_1')
  })

  it('a job that fails puts the previous deployment back and exits with the error', async () => {
    const { dir, commits } = vercelRepo()
    const { server, project } = await fakeVercel({ commits, failJob: true })
    const r = await cpoAsync(dir, ['--json', 'rollback', 'deploy', '--reason', 'x'], env(server))
    expect([r.code, r.json.error?.code]).toEqual([6, 'DEPLOY_ROLLBACK_FAILED'])
    expect(project.targets.production.id).toBe('dpl_3')
    const ops = fs
      .readFileSync(path.join(dir, '.git', 'cpo', 'oplog.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(ops.some((e) => e.type === 'failed')).toBe(true)
  })

  it('a slow job past --timeout is reported as still running, not as done', async () => {
    const { dir, commits } = vercelRepo()
    const { server } = await fakeVercel({ commits, pollsToFinish: 1000 })
    const r = await cpoAsync(
      dir,
      ['--json', 'rollback', 'deploy', '--reason', 'x', '--timeout', '1'],
      env(server),
    )
    expect(r.code).toBe(6)
    expect(r.json.data.job.state).toBe('timeout')
  })

  it('maps 401, 409 (Hobby) and 429 then success; a refused connection is PLATFORM_UNREACHABLE', async () => {
    const { dir, commits } = vercelRepo()
    const { server } = await fakeVercel({ commits })
    server.script('GET /v6/deployments', { status: 429, headers: { 'retry-after': '1' }, body: {} })
    const listed = await cpoAsync(dir, ['--json', 'deploy', 'list'], env(server))
    expect(listed.json.data.deployments).toHaveLength(3)
    server.route('POST /v9/projects/:id/rollback/:dep', {
      status: 409,
      body: {
        error: { message: 'Hobby plans may only roll back to the previous production deployment' },
      },
    })
    const hobby = await cpoAsync(
      dir,
      ['--json', 'rollback', 'deploy', '--to', 'dpl_1', '--reason', 'x'],
      env(server),
    )
    expect([hobby.code, hobby.json.error?.code]).toEqual([4, 'PLATFORM_CONFLICT'])
    expect(hobby.json.error?.message).toContain('Hobby plans may only roll back')
    server.route('GET /v9/projects/:id', {
      status: 401,
      body: { error: { message: `invalid token ${TOKEN}` } },
    })
    const denied = await cpoAsync(dir, ['--json', 'deploy', 'list'], env(server))
    expect([denied.code, denied.json.error?.code]).toEqual([6, 'PLATFORM_AUTH'])
    expect(denied.json.error?.message).toContain('VERCEL_TOKEN')
    const missing = await cpoAsync(dir, ['--json', 'deploy', 'list'], {
      VERCEL_TOKEN: '',
      CPO_VERCEL_API_URL: server.url,
    })
    expect(missing.json.error?.code).toBe('PLATFORM_TOKEN_MISSING')
    const refused = await cpoAsync(dir, ['--json', 'deploy', 'list'], {
      VERCEL_TOKEN: TOKEN,
      CPO_VERCEL_API_URL: 'http://127.0.0.1:9',
    })
    expect(refused.json.error?.code).toBe('PLATFORM_UNREACHABLE')
    expectNoToken(dir, listed, hobby, denied, refused)
  })
})
