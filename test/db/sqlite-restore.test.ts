import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { copyOf, cpo, fingerprint, tempDir } from '../helpers/repo.js'
import { buildDrizzleProject, dump, sql } from './drizzle-project.js'

let fixture: { dir: string; atStart: string }
beforeAll(() => {
  fixture = buildDrizzleProject()
}, 120_000)

const tables = (dir: string) =>
  sql(dir, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;").trim().split('\n')

describe('database checkpoints and restores with SQLite and real Drizzle', () => {
  it('stage start took a database checkpoint with schema, migrations and metadata', () => {
    const dir = copyOf(fixture.dir)
    const meta = JSON.parse(
      fs.readFileSync(path.join(dir, '.checkpoints/db-stage-1-start.json'), 'utf8'),
    )
    expect(meta).toMatchObject({
      engine: 'sqlite',
      strategy: 'file',
      database: 'dev.db',
      migrations: ['0000_users'],
    })
    expect(dump(dir, '.checkpoints/db-stage-1-start.sqlite')).toBe(fixture.atStart)
    const schema = fs.readFileSync(path.join(dir, '.checkpoints/schema-stage-1-start.sql'), 'utf8')
    expect(schema).toContain('CREATE TABLE `users`')
    expect(schema).not.toContain('posts')
    const list = cpo(dir, ['db', 'list', '--json'])
    expect(list.json.data.checkpoints.map((c: { checkpoint: string }) => c.checkpoint)).toEqual([
      'stage-1-start',
    ])
  })

  it('rollback stage --with-db puts code and database back; undo brings both again', () => {
    const dir = copyOf(fixture.dir)
    const ahead = dump(dir)
    const r = cpo(dir, [
      'rollback',
      'stage',
      'S1',
      '--reason',
      'posts were wrong',
      '--with-db',
      '--yes',
      '--json',
    ])
    expect(r.json.ok, r.stdout + r.stderr).toBe(true)
    expect(dump(dir)).toBe(fixture.atStart)
    expect(tables(dir)).not.toContain('posts')
    expect(sql(dir, 'SELECT name FROM users ORDER BY id;')).toBe('ada\ngrace\n')
    expect(fs.existsSync(path.join(dir, 'drizzle/0001_posts.sql'))).toBe(false)
    const status = cpo(dir, ['db', 'status', '--json'])
    expect(status.json.data.migrations.inSync).toBe(true)

    const undo = cpo(dir, ['undo', '--yes', '--json'])
    expect(undo.json.ok, undo.stdout + undo.stderr).toBe(true)
    expect(dump(dir)).toBe(ahead)
    expect(tables(dir)).toContain('posts')
    expect(fs.existsSync(path.join(dir, 'drizzle/0001_posts.sql'))).toBe(true)
  })

  it('a code-only rollback warns with the exact restore command, and status shows the migration applied but missing', () => {
    const dir = copyOf(fixture.dir)
    const r = cpo(dir, ['rollback', 'stage', 'S1', '--reason', 'code only', '--yes', '--json'])
    expect(r.json.ok, r.stdout + r.stderr).toBe(true)
    expect(r.json.data.warnings.join('\n')).toContain('`cpo db restore stage-1-start`')
    expect(tables(dir)).toContain('posts')
    const status = cpo(dir, ['db', 'status', '--json'])
    expect(status.code).toBe(4)
    const problems = status.json.data.migrations.problems
    expect(problems).toEqual([
      expect.objectContaining({
        kind: 'applied-but-missing',
        name: expect.stringMatching(/^hash /),
      }),
    ])
    expect(problems[0].fix).toContain('cpo db restore stage-1-start')
    const fixed = cpo(dir, ['db', 'restore', 'stage-1-start', '--json'])
    expect(fixed.json.ok, fixed.stdout).toBe(true)
    expect(cpo(dir, ['db', 'status', '--json']).json.data.migrations.inSync).toBe(true)
  })

  for (const fault of ['db-staged', 'db-swapped-live', 'db-swapped']) {
    it(`a crash at ${fault} during a restore, then cpo recover: the live database is as before`, () => {
      const dir = copyOf(fixture.dir)
      const before = dump(dir)
      const crashed = cpo(dir, ['db', 'restore', 'stage-1-start'], { CPO_FAULT: fault })
      expect(crashed.signal).toBe('SIGKILL')
      expect(cpo(dir, ['db', 'status']).code).not.toBe(null)
      const rec = cpo(dir, ['recover', '--json'])
      expect(rec.json.ok, rec.stdout + rec.stderr).toBe(true)
      expect(dump(dir)).toBe(before)
      const staged = fs
        .readdirSync(path.join(dir, '.checkpoints'))
        .filter((n) => n.includes('__cpo_new_'))
      expect(staged).toEqual([])
    })
  }

  it('a corrupt copy is refused before anything changes', () => {
    const dir = copyOf(fixture.dir)
    const before = dump(dir)
    const copy = path.join(dir, '.checkpoints/db-stage-1-start.sqlite')
    const bytes = fs.readFileSync(copy)
    bytes.fill(0x41, 0, 100)
    fs.writeFileSync(copy, bytes)
    const r = cpo(dir, ['db', 'restore', 'stage-1-start', '--json'])
    expect(r.code).toBe(6)
    expect(r.json.error?.code).toBe('DB_COPY_CORRUPT')
    expect(r.json.error?.hint).toContain('cpo db list')
    expect(dump(dir)).toBe(before)
    expect(
      cpo(dir, ['log', '--json']).json.data.operations.some(
        (o: { command: string }) => o.command === 'db restore',
      ),
    ).toBe(false)
  })

  it('rollback --with-db without a database checkpoint of the target is refused, nothing changed', () => {
    const dir = copyOf(fixture.dir)
    fs.renameSync(
      path.join(dir, '.checkpoints/db-stage-1-start.json'),
      path.join(dir, 'elsewhere.json'),
    )
    const before = fingerprint(dir)
    const r = cpo(dir, ['rollback', 'stage', 'S1', '--reason', 'x', '--with-db', '--yes', '--json'])
    expect(r.code).toBe(3)
    expect(r.json.error?.code).toBe('DB_CHECKPOINT_NOT_FOUND')
    expect(r.json.error?.hint).toContain('cpo db checkpoint stage-1-start')
    expect(fingerprint(dir)).toEqual(before)
  })

  it('sqlite3 missing: a clear error with the install command, nothing changed', () => {
    const dir = copyOf(fixture.dir)
    const r = cpo(dir, ['db', 'checkpoint', 'x', '--json'], { CPO_SQLITE3: '/nonexistent/sqlite3' })
    expect(r.code).toBe(6)
    expect(r.json.error?.code).toBe('DB_TOOL_MISSING')
    expect(r.json.error?.hint).toContain('apt-get install sqlite3')
    expect(fs.existsSync(path.join(dir, '.checkpoints/db-x.json'))).toBe(false)
  })

  it('cpo db diff shows the schema the stage added', () => {
    const dir = copyOf(fixture.dir)
    const r = cpo(dir, ['db', 'diff', 'stage-1-start', 'live', '--json'])
    expect(r.json.data.same).toBe(false)
    expect(r.json.data.diff).toMatch(/^\+CREATE TABLE `posts`/m)
  })

  it('backup create --with-db takes the newest checkpoint copy; verify runs quick_check; restore --db-url', () => {
    const dir = copyOf(fixture.dir)
    const store = tempDir()
    const made = cpo(dir, ['backup', 'create', '--store', store, '--with-db', '--json'])
    expect(made.json.ok, made.stdout + made.stderr).toBe(true)
    expect(made.json.data.db).toMatchObject({
      engine: 'sqlite',
      path: 'db/dev.sqlite',
      source: 'checkpoint stage-1-start',
      database: 'dev.db',
    })
    const id = made.json.data.id
    expect(cpo(dir, ['backup', 'verify', '--store', store, id, '--json']).json.data.ok).toBe(true)
    const target = path.join(tempDir(), 'restored')
    const file = path.join(tempDir(), 'new.db')
    const restored = cpo(dir, [
      'restore',
      id,
      target,
      '--store',
      store,
      '--db-url',
      `file:${file}`,
      '--json',
    ])
    expect(restored.json.ok, restored.stdout + restored.stderr).toBe(true)
    expect(dump(path.dirname(file), 'new.db')).toBe(fixture.atStart)
    const refused = cpo(dir, [
      'restore',
      id,
      path.join(tempDir(), 'x'),
      '--store',
      store,
      '--db-url',
      `file:${path.join(dir, 'dev.db')}`,
      '--json',
    ])
    expect(refused.json.error?.code).toBe('DB_TARGET_NOT_EMPTY')
  })
})
