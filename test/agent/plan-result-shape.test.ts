import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { schemaFor } from '../../src/cli/schemas/index.js'
import { type CliResult, copyOf, cpo, fingerprint, keep, makeRepo } from '../helpers/repo.js'

const PROJECT = {
  project: { name: 'shop', status: 'in_progress' },
  stages: [
    {
      id: 'S1',
      name: 'Users',
      status: 'in_progress',
      dependsOn: [],
      stories: [{ id: 'S1-US-001', title: 'sign up', passes: false, attempts: 1 }],
    },
    { id: 'S2', name: 'Posts', status: 'pending', dependsOn: ['S1'], stories: [] },
    { id: 'S3', name: 'Feed', status: 'pending', dependsOn: ['S2'], stories: [] },
  ],
  currentStage: 'S1',
  currentPhase: 3,
}

const sql = (dir: string, text: string) =>
  execFileSync('sqlite3', ['-batch', path.join(dir, 'dev.db'), text], { encoding: 'utf8' })
const rows = (dir: string) => sql(dir, 'SELECT x FROM t ORDER BY x;').trim().split('\n')
const state = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8'))
const journal = (dir: string) => {
  const file = path.join(dir, '.git/cpo/oplog.jsonl')
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
}

/** A CPO project with a SQLite database (an ignored file) and database checkpoint cp1 of it. */
let fixture: string
beforeAll(() => {
  const dir = keep(
    makeRepo({
      '.gitignore': '*.db\n*.db-*\n',
      '.env': 'DATABASE_URL=file:./dev.db\n',
      'master-project.json': `${JSON.stringify(PROJECT, null, 2)}\n`,
    }),
  )
  sql(dir, 'CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2);')
  const taken = cpo(dir, ['db', 'checkpoint', 'cp1', '--json'])
  if (!taken.json.ok) throw new Error(`db checkpoint failed: ${taken.stdout}${taken.stderr}`)
  fixture = dir
}, 60_000)

/** The dry run: `data.plan`, no `data.result`, nothing changed (files, refs, journal, rows). */
function dryRun(name: string, args: string[], prepare: (dir: string) => void = () => {}) {
  const dir = copyOf(fixture)
  prepare(dir)
  const before = { files: fingerprint(dir), journal: journal(dir), rows: rows(dir) }
  const r = cpo(dir, [...args, '--dry-run', '--json'])
  expect(r.code, r.stdout + r.stderr).toBe(0)
  expect(r.json.ok).toBe(true)
  const data = r.json.data as Record<string, unknown>
  expect(data.dryRun).toBe(true)
  expect(data.plan).toEqual(expect.any(Object))
  expect(data).not.toHaveProperty('result')
  expect(schemaFor(name).safeParse(r.json).success).toBe(true)
  expect({ files: fingerprint(dir), journal: journal(dir), rows: rows(dir) }).toEqual(before)
  return data
}

/** The real run: `data.plan` and `data.result`, the result's fields also at the top. */
function realRun(name: string, dir: string, args: string[]) {
  const r: CliResult = cpo(dir, [...args, '--yes', '--json'])
  expect(r.code, r.stdout + r.stderr).toBe(0)
  const data = r.json.data as Record<string, unknown> & {
    plan: Record<string, unknown>
    result: Record<string, unknown>
    opId: string
  }
  expect(data.dryRun).toBe(false)
  expect(data.plan).toEqual(expect.any(Object))
  expect(data.result).toEqual(expect.any(Object))
  expect(data.result.opId).toBe(data.opId)
  expect(data.result).not.toHaveProperty('plan')
  expect(journal(dir)).toContain(`"${data.opId}"`)
  expect(schemaFor(name).safeParse(r.json).success).toBe(true)
  return data
}

describe('dry runs and real runs share one shape: data.plan in both, data.result when it ran', () => {
  it('story pass', () => {
    const plan = dryRun('story pass', ['story', 'pass', 'S1-US-001'])
    expect(plan.plan).toMatchObject({ story: 'S1-US-001', passes: true })

    const dir = copyOf(fixture)
    const data = realRun('story pass', dir, ['story', 'pass', 'S1-US-001'])
    expect(data.plan).toMatchObject({ story: 'S1-US-001', passes: true })
    expect(data.result).toMatchObject({
      story: 'S1-US-001',
      files: ['master-project.json', 'cpo-progress.md'],
    })
    expect(fs.readFileSync(path.join(dir, 'cpo-progress.md'), 'utf8')).toContain('S1-US-001')
    expect(data.files).toEqual(data.result.files)
    const story = state(dir).stages[0].stories[0]
    expect(story.passes).toBe(true)
    expect(story.completedAt).toBe(data.result.time)
  })

  it('story fail', () => {
    dryRun('story fail', ['story', 'fail', 'S1-US-001'])

    const dir = copyOf(fixture)
    const data = realRun('story fail', dir, ['story', 'fail', 'S1-US-001'])
    expect(data.plan).toMatchObject({ story: 'S1-US-001', passes: false, attempts: 2 })
    expect(data.result).toMatchObject({ attempts: 2 })
    expect(state(dir).stages[0].stories[0]).toMatchObject({ passes: false, attempts: 2 })
  })

  it('stage skip', () => {
    const args = ['stage', 'skip', 'S2', '--reason', 'posts come later']
    const plan = dryRun('stage skip', args)
    expect(plan.plan).toMatchObject({ stage: { id: 'S2' }, dependents: ['S3'] })

    const dir = copyOf(fixture)
    const data = realRun('stage skip', dir, args)
    expect(data.plan).toMatchObject({ stage: { id: 'S2' }, reason: 'posts come later' })
    expect(data.result).toMatchObject({ stage: { id: 'S2' }, skippedAt: expect.any(String) })
    expect(state(dir).stages[1]).toMatchObject({
      status: 'skipped',
      skipReason: 'posts come later',
    })
  })

  it('db checkpoint', () => {
    const plan = dryRun('db checkpoint', ['db', 'checkpoint', 'cp2'])
    expect(plan.plan).toMatchObject({ checkpoint: 'cp2', engine: 'sqlite' })

    const dir = copyOf(fixture)
    sql(dir, 'INSERT INTO t VALUES (3);')
    const data = realRun('db checkpoint', dir, ['db', 'checkpoint', 'cp2'])
    expect(data.plan).toMatchObject({ checkpoint: 'cp2', engine: 'sqlite' })
    const meta = data.result.meta as { location: string; bytes: number; sha256?: string }
    expect(data.meta).toEqual(meta)
    const copy = fs.readFileSync(path.join(dir, meta.location))
    // A checkpoint records the copy's size, not a digest (ARCHITECTURE.md, "Databases").
    expect(meta.bytes).toBe(copy.length)
    expect(meta.sha256).toBeUndefined()
    const inCopy = execFileSync(
      'sqlite3',
      [path.join(dir, meta.location), 'SELECT x FROM t ORDER BY x;'],
      {
        encoding: 'utf8',
      },
    )
    expect(inCopy.trim().split('\n')).toEqual(rows(dir))
    const listed = cpo(dir, ['db', 'list', '--json']).json.data.checkpoints
    expect(listed.map((c: { checkpoint: string }) => c.checkpoint)).toEqual(['cp1', 'cp2'])
  })

  it('db restore', () => {
    const addRow = (dir: string) => sql(dir, 'INSERT INTO t VALUES (3);')
    const plan = dryRun('db restore', ['db', 'restore', 'cp1'], addRow)
    expect(plan.plan).toMatchObject({ checkpoint: 'cp1', engine: 'sqlite' })

    const dir = copyOf(fixture)
    addRow(dir)
    const data = realRun('db restore', dir, ['db', 'restore', 'cp1'])
    expect(data.plan).toMatchObject({ checkpoint: 'cp1', engine: 'sqlite' })
    expect(data.result).toMatchObject({ checkpoint: 'cp1', keptAs: data.keptAs })
    expect(rows(dir)).toEqual(['1', '2'])
  })
})
