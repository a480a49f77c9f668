import { spawnSync } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDrizzleProject, sql } from '../db/drizzle-project.js'
import { cpoAsync } from '../deploy/run.js'
import { commitAll, copyOf, cpo, makeRepo, writeFiles } from '../helpers/repo.js'

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')

/** The database and deployment rows of diagnose, `cpo check` and the rollback checklist. */
let drizzle: { dir: string; atStart: string }
let server: http.Server
let url = ''
let answer = 500
beforeAll(async () => {
  drizzle = buildDrizzleProject()
  server = http.createServer((_req, res) => {
    res.writeHead(answer)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`
}, 120_000)
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const tables = (dir: string) =>
  sql(dir, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;").trim().split('\n')
const byId = (checks: any[], id: string) => checks.find((c) => c.id === id)

describe('the database row: applied-but-missing after a code-only rollback', () => {
  it('the rollback checklist, diagnose and check all say the database does not match the code', () => {
    const dir = copyOf(drizzle.dir)
    const fine = cpo(dir, ['--json', 'check'])
    expect(byId(fine.json.data.checks, 'database')).toMatchObject({ status: 'pass' })

    const r = cpo(dir, ['rollback', 'stage', 'S1', '--reason', 'code only', '--yes', '--json'])
    expect(r.json.ok, r.stdout + r.stderr).toBe(true)
    expect(tables(dir)).toContain('posts') // the code went back, the database did not
    const item = r.json.data.checklist.find((i: any) => i.id === 'database')
    expect(item.status).toBe('failed')
    expect(item.evidence).toContain('applied-but-missing')

    const d = cpo(dir, ['--json', 'diagnose'])
    const db = byId(d.json.data.checks, 'database')
    expect(db.status).toBe('fail')
    expect(db.evidence).toContain('applied-but-missing')
    expect(d.json.data.classification.symptom).toBe('database-errors')
    expect(d.json.data.next.command).toMatch(/^cpo rollback stage .*--with-db$/)

    const c = cpo(dir, ['--json', 'check'])
    expect(c.code).toBe(4)
    expect(c.json.ok).toBe(false)
    expect(byId(c.json.data.checks, 'database')).toMatchObject({ status: 'fail' })

    // The recommended command runs as printed and puts the database back with the code.
    const cmd = (d.json.data.next.command as string).replace(/^cpo /, '')
    const run = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" --json --yes ${cmd}`], {
      cwd: dir,
      encoding: 'utf8',
    })
    expect(JSON.parse(run.stdout).ok, run.stdout + run.stderr).toBe(true)
    expect(tables(dir)).not.toContain('posts')
    expect(byId(cpo(dir, ['--json', 'check']).json.data.checks, 'database').status).toBe('pass')
  })

  it('after rollback --with-db the database row passes again', () => {
    const dir = copyOf(drizzle.dir)
    const r = cpo(dir, [
      'rollback',
      'stage',
      'S1',
      '--reason',
      'both',
      '--with-db',
      '--yes',
      '--json',
    ])
    expect(r.json.ok, r.stdout + r.stderr).toBe(true)
    expect(tables(dir)).not.toContain('posts')
    expect(r.json.data.checklist.find((i: any) => i.id === 'database').status).toBe('ok')
    expect(byId(cpo(dir, ['--json', 'check']).json.data.checks, 'database').status).toBe('pass')
  })
})

describe('the deployment row: a health URL answering 500', () => {
  it('diagnose says production 5xx and recommends cpo rollback deploy; 200 passes', async () => {
    const dir = makeRepo({ 'build/index.html': 'v1\n' })
    writeFiles(dir, {
      'cpo.config.json': `${JSON.stringify({ deployment: { platform: 'local', healthUrl: url } })}\n`,
    })
    commitAll(dir, 'deploy config')
    const published = await cpoAsync(dir, ['--json', 'deploy', 'local', 'publish', 'build'])
    expect(published.json.ok, published.stderr).toBe(true)
    const id = published.json.data.release.id

    answer = 500
    const bad = await cpoAsync(dir, ['--json', 'diagnose'])
    const row = byId(bad.json.data.checks, 'deployment')
    expect(row.status).toBe('fail')
    expect(row.evidence).toContain(`GET ${url} answered 500`)
    expect(bad.json.data.classification.symptom).toBe('production-5xx')
    expect(bad.json.data.next.command).toBe('cpo rollback deploy')

    answer = 200
    const good = await cpoAsync(dir, ['--json', 'diagnose'])
    const ok = byId(good.json.data.checks, 'deployment')
    expect(ok.status).toBe('pass')
    expect(ok.evidence).toContain(`local serves ${id}`)
  })
})
