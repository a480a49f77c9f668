import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitAll, copyOf, keep, makeRepo, sh, writeFiles } from '../helpers/repo.js'
import { cpoAsync } from './run.js'

/**
 * The local platform end to end: a real HTTP server (started here, one for the file) serves
 * the `.deploy/current` of the repository under test, whose `health` file says which status
 * the release answers with.
 */
let active = ''
let server: http.Server
let url = ''
beforeAll(async () => {
  server = http.createServer((_req, res) => {
    const file = path.join(active, '.deploy', 'current', 'health')
    res.writeHead(fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : 503)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const health = async () => (await fetch(`${url}/health`)).status
const serving = (dir: string) =>
  path.basename(fs.readlinkSync(path.join(dir, '.deploy', 'current')))

let template: { dir: string; good: string; bad: string } | undefined
/** A repository with a good release (prod-v1), then a broken one (prod-v2) published; a copy. */
async function twoReleases(): Promise<{ dir: string; good: string; bad: string }> {
  if (!template) {
    const dir = keep(
      makeRepo({ 'src/app.js': 'v1\n', 'build/index.html': 'v1\n', 'build/health': '200\n' }),
    )
    writeFiles(dir, {
      'cpo.config.json': `${JSON.stringify({ deployment: { platform: 'local', healthUrl: `${url}/health` } })}\n`,
    })
    commitAll(dir, 'deploy config')
    const first = await cpoAsync(dir, ['--json', 'deploy', 'local', 'publish', 'build'])
    expect(first.json.ok).toBe(true)
    writeFiles(dir, {
      'src/app.js': 'v2 broken\n',
      'build/index.html': 'v2\n',
      'build/health': '500\n',
    })
    commitAll(dir, 'feat: v2')
    const second = await cpoAsync(dir, ['--json', 'deploy', 'local', 'publish', 'build'])
    expect(second.json.ok).toBe(true)
    template = { dir, good: first.json.data.release.id, bad: second.json.data.release.id }
  }
  const dir = copyOf(template.dir)
  active = dir
  return { ...template, dir }
}

describe('the local platform', () => {
  it('a broken release is rolled back, health goes green, undo brings the broken one back', async () => {
    const { dir, good, bad } = await twoReleases()
    expect(serving(dir)).toBe(bad)
    expect(await health()).toBe(500)
    expect(fs.readFileSync(path.join(dir, '.deploy', 'releases', good, 'index.html'), 'utf8')).toBe(
      'v1\n',
    )
    // the deploy directory is ignored by git, so no snapshot or restore touches it
    expect(fs.readFileSync(path.join(dir, '.git', 'info', 'exclude'), 'utf8')).toContain(
      '/.deploy/',
    )
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    // each publish was recorded as prod-vK on its commit, with the deployment in the tag
    const v1 = sh(dir, 'git', 'cat-file', '-p', 'checkpoint/prod-v1')
    expect(v1).toContain(`"id": "${good}"`)
    expect(v1).toContain('"platform": "local"')
    expect(sh(dir, 'git', 'rev-parse', 'checkpoint/prod-v2^{commit}').trim()).toBe(
      sh(dir, 'git', 'rev-parse', 'HEAD').trim(),
    )

    const timeline = await cpoAsync(dir, ['--json', 'timeline'])
    expect(timeline.json.data.deploys.map((p: any) => p.name)).toEqual(['prod-v1', 'prod-v2'])
    const list = await cpoAsync(dir, ['--json', 'deploy', 'list'])
    expect(
      list.json.data.deployments.map((d: any) => [
        d.id,
        d.current,
        d.rollbackCandidate,
        d.checkpoint,
      ]),
    ).toEqual([
      [bad, true, false, 'prod-v2'],
      [good, false, true, 'prod-v1'],
    ])

    const dry = await cpoAsync(dir, [
      '--json',
      'rollback',
      'deploy',
      '--reason',
      'v2 500s',
      '--dry-run',
    ])
    expect(dry.json.data.plan.target.id).toBe(good)
    expect(serving(dir)).toBe(bad)

    const r = await cpoAsync(dir, ['--json', 'rollback', 'deploy', '--reason', 'v2 returns 500s'])
    expect(r.code).toBe(0)
    expect(r.json.data.target.id).toBe(good)
    expect(r.json.data.health).toMatchObject({ healthy: true, status: 200 })
    expect(r.json.data.pitfalls.map((p: any) => p.code)).toContain('database-not-rolled-back')
    expect(
      r.json.data.pitfalls.find((p: any) => p.code === 'database-not-rolled-back').message,
    ).toContain('cpo db restore prod-v1')
    expect(serving(dir)).toBe(good)
    expect(await health()).toBe(200)
    // the journal holds the effect with the deployment that served before
    const journal = fs.readFileSync(path.join(dir, '.git', 'cpo', 'oplog.jsonl'), 'utf8')
    const effect = journal
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find(
        (e) =>
          e.type === 'effect' &&
          e.effect.kind === 'deploy' &&
          e.effect.target === good &&
          e.effect.previous !== null,
      )
    expect(effect.effect).toMatchObject({ platform: 'local', previous: bad, target: good })

    const undo = await cpoAsync(dir, ['--json', 'undo'])
    expect(undo.json.ok).toBe(true)
    expect(serving(dir)).toBe(bad)
    expect(await health()).toBe(500)
    // and reverting the undo makes the good release serve again
    await cpoAsync(dir, ['undo', undo.json.data.opId])
    expect(serving(dir)).toBe(good)
  })

  it('rolls back to a prod-vK checkpoint by name, and refuses bad targets with nothing changed', async () => {
    const { dir, good, bad } = await twoReleases()
    const missing = await cpoAsync(dir, [
      '--json',
      'rollback',
      'deploy',
      '--to',
      'r-nope',
      '--reason',
      'x',
    ])
    expect([missing.code, missing.json.error?.code]).toEqual([3, 'DEPLOYMENT_NOT_FOUND'])
    const current = await cpoAsync(dir, [
      '--json',
      'rollback',
      'deploy',
      '--to',
      'prod-v2',
      '--reason',
      'x',
    ])
    expect([current.code, current.json.error?.code]).toEqual([4, 'DEPLOYMENT_SERVES'])
    const noReason = await cpoAsync(dir, ['--json', 'rollback', 'deploy'])
    expect(noReason.json.error?.code).toBe('REASON_REQUIRED')
    const lock = await cpoAsync(dir, ['--json', 'rollback', 'deploy', '--lock', '--reason', 'x'])
    expect([lock.code, lock.json.error?.message]).toEqual([
      2,
      '--lock applies to Netlify only (this project deploys to local)',
    ])
    expect(serving(dir)).toBe(bad)
    const r = await cpoAsync(dir, [
      '--json',
      'rollback',
      'deploy',
      '--to',
      'prod-v1',
      '--reason',
      'x',
    ])
    expect(r.json.data.target.id).toBe(good)
    expect(serving(dir)).toBe(good)
  })

  for (const point of ['deploy-requested', 'deploy-followed']) {
    it(`a kill at ${point} leaves the rollback pending; cpo recover makes the previous release serve`, async () => {
      const { dir, bad } = await twoReleases()
      const r = await cpoAsync(dir, ['rollback', 'deploy', '--reason', 'x'], { CPO_FAULT: point })
      expect(r.signal).toBe('SIGKILL')
      const blocked = await cpoAsync(dir, ['--json', 'deploy', 'record'])
      expect(blocked.json.error?.code).toBe('RECOVERY_PENDING')
      const rec = await cpoAsync(dir, ['--json', 'recover'])
      expect(rec.json.data.recovered).toBe(true)
      expect(serving(dir)).toBe(bad)
      expect(await health()).toBe(500)
    })
  }

  it('deploy status says which source won, and what it cannot reach without a token', async () => {
    const dir = makeRepo({
      'wrangler.toml': 'name = "edge"\naccount_id = "acc1"\n',
      'railway.json': '{}\n',
    })
    const s = await cpoAsync(dir, ['--json', 'deploy', 'status'])
    expect(s.json.data).toMatchObject({
      platform: 'cloudflare',
      source: { kind: 'file', file: 'wrangler.toml' },
      config: { scriptName: 'edge', accountId: 'acc1' },
      adapter: 'available',
      problem: { code: 'PLATFORM_TOKEN_MISSING' },
    })
    expect(s.json.data.detected.map((d: any) => d.platform)).toEqual(['cloudflare', 'railway'])
    const none = await cpoAsync(makeRepo(), ['deploy', 'status'])
    expect(none.stdout).toContain('platform: local (from the default')
  })
})
