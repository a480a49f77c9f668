import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import dns from 'node:dns/promises'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, createPasswordRole, pgBinDir, startCluster } from '../helpers/postgres.js'
import {
  commitAll,
  copyOf,
  cpo,
  fingerprint,
  keep,
  makeRepo,
  tempDir,
  writeFiles,
} from '../helpers/repo.js'
import { contentOf, databases } from './fixture.js'

const MODULES = path.resolve(import.meta.dirname, '../../node_modules')

const PROJECT = {
  project: { name: 'shop', status: 'in_progress' },
  productDefinition: { techStack: { database: 'PostgreSQL', orm: 'Drizzle' } },
  stages: [
    { id: 'S1', name: 'Users', status: 'pending', dependsOn: [], stories: [] },
    { id: 'S2', name: 'Posts', status: 'pending', dependsOn: ['S1'], stories: [] },
  ],
  currentStage: null,
  currentPhase: 3,
}
const USERS = `import { pgTable, serial, text } from 'drizzle-orm/pg-core'
export const users = pgTable('users', { id: serial('id').primaryKey(), name: text('name').notNull() })
`
const POSTS = `${USERS}export const posts = pgTable('posts', { id: serial('id').primaryKey(), title: text('title').notNull() })
`

let cluster: Cluster
let base: { dir: string; atStart: string; ahead: string }
let counter = 0

function drizzle(dir: string, url: string, ...args: string[]): void {
  execFileSync(path.join(MODULES, '.bin', 'drizzle-kit'), args, {
    cwd: dir,
    stdio: 'pipe',
    env: { ...process.env, DATABASE_URL: url },
  })
}

/**
 * Built once: a Drizzle project on database `shop`; `cpo stage start S1` took its database
 * checkpoint (auto: a template copy, nobody connected); stage 1's work then added the `posts`
 * migration, applied by drizzle-kit, and rows, committed.
 */
beforeAll(async () => {
  cluster = await startCluster()
  cluster.sql('postgres', 'CREATE DATABASE shop;')
  const url = cluster.url('shop')
  const dir = keep(
    makeRepo({
      '.gitignore': 'node_modules\n',
      'master-project.json': `${JSON.stringify(PROJECT, null, 2)}\n`,
      'drizzle.config.ts': `import { defineConfig } from 'drizzle-kit'
export default defineConfig({ dialect: 'postgresql', schema: './src/schema.ts', out: './drizzle', dbCredentials: { url: process.env.DATABASE_URL! } })
`,
      'src/schema.ts': USERS,
    }),
  )
  fs.symlinkSync(MODULES, path.join(dir, 'node_modules'))
  drizzle(dir, url, 'generate', '--name', 'users')
  drizzle(dir, url, 'migrate')
  cluster.sql('shop', "INSERT INTO users(name) VALUES ('ada'), ('grace');")
  commitAll(dir, 'feat(S1-US-001): users')
  const started = cpo(dir, ['stage', 'start', 'S1', '--json'], { DATABASE_URL: url })
  if (!started.json.ok) throw new Error(`stage start failed: ${started.stdout}${started.stderr}`)
  const atStart = contentOf(cluster, 'shop')
  writeFiles(dir, { 'src/schema.ts': POSTS })
  drizzle(dir, url, 'generate', '--name', 'posts')
  drizzle(dir, url, 'migrate')
  cluster.sql(
    'shop',
    "INSERT INTO posts(title) VALUES ('hello'); INSERT INTO users(name) VALUES ('linus');",
  )
  commitAll(dir, 'feat(S1-US-002): posts')
  base = { dir, atStart, ahead: contentOf(cluster, 'shop') }
}, 180_000)

/**
 * A copy of the project with its own database `tN` (and its own template copy): a copy of
 * `shop` and of `shop__cpo_stage-1-start`, the checkpoint's metadata pointed at them.
 */
function project(): { dir: string; db: string; env: { DATABASE_URL: string } } {
  const dir = copyOf(base.dir)
  const db = `t${++counter}`
  cluster.sql('postgres', `CREATE DATABASE ${db} TEMPLATE shop;`)
  cluster.sql(
    'postgres',
    `CREATE DATABASE "${db}__cpo_stage-1-start" TEMPLATE "shop__cpo_stage-1-start";`,
  )
  const metaFile = path.join(dir, '.checkpoints/db-stage-1-start.json')
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'))
  fs.writeFileSync(
    metaFile,
    JSON.stringify({
      ...meta,
      database: db,
      location: `${db}__cpo_stage-1-start`,
      redactedUrl: cluster.url(db),
    }),
  )
  return { dir, db, env: { DATABASE_URL: cluster.url(db) } }
}

const tables = (db: string) =>
  cluster
    .sql(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1;")
    .trim()
    .split('\n')
const migrationRows = (db: string) =>
  cluster.sql(db, 'SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id;').trim()
const ours = (db: string) => databases(cluster).filter((n) => n.startsWith(`${db}__cpo_`))
const allowsConnections = (db: string) =>
  cluster.sql('postgres', `SELECT datallowconn FROM pg_database WHERE datname = '${db}';`).trim()

/** A psql session held open on `db` (a dev server, a GUI), named `app-dev` in pg_stat_activity. */
const sessions: ChildProcess[] = []
afterEach(() => {
  for (const s of sessions.splice(0)) s.kill('SIGKILL')
})
async function connect(db: string): Promise<number> {
  const child = spawn(
    path.join(pgBinDir(), 'psql'),
    ['-X', '-q', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-d', db],
    { stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, PGAPPNAME: 'app-dev' } },
  )
  sessions.push(child)
  for (;;) {
    const pid = cluster
      .sql(
        'postgres',
        `SELECT pid FROM pg_stat_activity WHERE datname = '${db}' AND application_name = 'app-dev';`,
      )
      .trim()
    if (pid) return Number(pid)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('PostgreSQL through the CLI with a real Drizzle project', () => {
  it('stage start took a template checkpoint: the copy equals the database at the start', () => {
    const meta = JSON.parse(
      fs.readFileSync(path.join(base.dir, '.checkpoints/db-stage-1-start.json'), 'utf8'),
    )
    expect(meta).toMatchObject({
      engine: 'postgres',
      strategy: 'template',
      database: 'shop',
      location: 'shop__cpo_stage-1-start',
      migrations: [expect.stringMatching(/^0000_users|^hash /)],
    })
    expect(contentOf(cluster, 'shop__cpo_stage-1-start')).toBe(base.atStart)
    const schema = fs.readFileSync(
      path.join(base.dir, '.checkpoints/schema-stage-1-start.sql'),
      'utf8',
    )
    expect(schema).toContain('CREATE TABLE public.users')
    expect(schema).not.toContain('posts')
  })

  it('rollback stage --with-db: tables, rows and migrations as at the checkpoint; undo, redo, undo', () => {
    const { dir, db, env } = project()
    expect(contentOf(cluster, db)).toBe(base.ahead)
    const r = cpo(
      dir,
      ['rollback', 'stage', 'S1', '--reason', 'posts were wrong', '--with-db', '--yes', '--json'],
      env,
    )
    expect(r.json.ok, r.stdout + r.stderr).toBe(true)
    expect(contentOf(cluster, db)).toBe(base.atStart)
    expect(tables(db)).toEqual(['users'])
    expect(migrationRows(db).split('\n')).toHaveLength(1)
    expect(fs.existsSync(path.join(dir, 'drizzle/0001_posts.sql'))).toBe(false)
    expect(cpo(dir, ['db', 'status', '--json'], env).json.data.migrations.inSync).toBe(true)
    expect(ours(db)).toContain(`${db}__cpo_before_${r.json.data.opId}`)

    const undo = cpo(dir, ['undo', '--yes', '--json'], env)
    expect(undo.json.ok, undo.stdout + undo.stderr).toBe(true)
    expect(contentOf(cluster, db)).toBe(base.ahead)
    expect(tables(db)).toEqual(['posts', 'users'])
    expect(fs.existsSync(path.join(dir, 'drizzle/0001_posts.sql'))).toBe(true)

    const redo = cpo(dir, ['redo', '--yes', '--json'], env)
    expect(redo.json.ok, redo.stdout + redo.stderr).toBe(true)
    expect(contentOf(cluster, db)).toBe(base.atStart)
    const again = cpo(dir, ['undo', '--yes', '--json'], env)
    expect(again.json.ok, again.stdout + again.stderr).toBe(true)
    expect(contentOf(cluster, db)).toBe(base.ahead)
    expect(allowsConnections(db)).toBe('t')
  })

  it('db checkpoint --strategy dump and template, auto with a session connected takes a dump; each restores', async () => {
    const { dir, db, env } = project()
    const dump = cpo(dir, ['db', 'checkpoint', 'd1', '--strategy', 'dump', '--json'], env)
    expect(dump.json.ok, dump.stdout + dump.stderr).toBe(true)
    const file = path.join(dir, '.checkpoints/db-d1.dump')
    expect(
      execFileSync(path.join(pgBinDir(), 'pg_restore'), ['--list', file], { encoding: 'utf8' }),
    ).toContain('TABLE public posts')
    const tpl = cpo(dir, ['db', 'checkpoint', 't1', '--strategy', 'template', '--json'], env)
    expect(tpl.json.ok, tpl.stdout + tpl.stderr).toBe(true)
    expect(ours(db)).toContain(`${db}__cpo_t1`)
    await connect(db)
    const auto = cpo(dir, ['db', 'checkpoint', 'a1', '--json'], env)
    expect(auto.json.ok, auto.stdout + auto.stderr).toBe(true)
    expect(auto.json.data.meta.strategy).toBe('dump')
    for (const s of sessions.splice(0)) s.kill('SIGKILL')

    cluster.sql(db, "DROP TABLE posts; INSERT INTO users(name) VALUES ('later');")
    const fromDump = cpo(dir, ['db', 'restore', 'd1', '--json'], env)
    expect(fromDump.json.ok, fromDump.stdout + fromDump.stderr).toBe(true)
    expect(contentOf(cluster, db)).toBe(base.ahead)
    cluster.sql(db, 'DROP TABLE posts;')
    const fromTemplate = cpo(dir, ['db', 'restore', 't1', '--json'], env)
    expect(fromTemplate.json.ok, fromTemplate.stdout + fromTemplate.stderr).toBe(true)
    expect(contentOf(cluster, db)).toBe(base.ahead)
  })

  it('a corrupt dump fails mid-restore: live untouched, no staged database left', () => {
    const { dir, db, env } = project()
    // Rows enough that the archive's data part is most of it (its table of contents stays readable).
    cluster.sql(
      db,
      'INSERT INTO users(name) SELECT md5(g::text) || md5((g + 1)::text) || md5((g + 2)::text) FROM generate_series(1, 2000) g;',
    )
    expect(cpo(dir, ['db', 'checkpoint', 'd1', '--strategy', 'dump', '--json'], env).json.ok).toBe(
      true,
    )
    const file = path.join(dir, '.checkpoints/db-d1.dump')
    const bytes = fs.readFileSync(file)
    const cut = Math.floor(bytes.length * 0.6)
    fs.writeFileSync(
      file,
      Buffer.concat([bytes.subarray(0, cut), Buffer.alloc(bytes.length - cut, 0x5a)]),
    )
    cluster.sql(db, "INSERT INTO users(name) VALUES ('after');")
    const live = contentOf(cluster, db)
    const all = databases(cluster)
    const r = cpo(dir, ['db', 'restore', 'd1', '--json'], env)
    expect(r.code).toBe(6)
    expect(r.json.error?.code).toBe('DB_RESTORE_FAILED')
    expect(r.json.error?.message).toContain('the live database was not touched')
    expect(contentOf(cluster, db)).toBe(live)
    expect(databases(cluster)).toEqual(all)
  })

  for (const fault of ['db-staged', 'db-swapped-live', 'db-swapped']) {
    it(`killed at ${fault} (sessions ended with --terminate-connections), then cpo recover: live as before and open`, async () => {
      const { dir, db, env } = project()
      const before = contentOf(cluster, db)
      await connect(db)
      const crashed = cpo(dir, ['db', 'restore', 'stage-1-start', '--terminate-connections'], {
        ...env,
        CPO_FAULT: fault,
      })
      expect(crashed.signal).toBe('SIGKILL')
      const rec = cpo(dir, ['recover', '--json'], env)
      expect(rec.json.ok, rec.stdout + rec.stderr).toBe(true)
      expect(contentOf(cluster, db)).toBe(before)
      expect(allowsConnections(db)).toBe('t')
      expect(ours(db).filter((n) => n.includes('__cpo_new_'))).toEqual([])
      // Every database cpo kept is open again too (the kept one was closed at db-swapped-live).
      for (const n of ours(db)) expect(allowsConnections(n), n).toBe('t')
    })
  }

  it('a connected session is listed and refused; --terminate-connections goes ahead', async () => {
    const { dir, db, env } = project()
    const pid = await connect(db)
    const fp = fingerprint(dir)
    const all = databases(cluster)
    const r = cpo(
      dir,
      ['rollback', 'stage', 'S1', '--reason', 'x', '--with-db', '--yes', '--json'],
      env,
    )
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('DB_IN_USE')
    expect(r.json.error?.message).toContain(`pid ${pid} (app-dev`)
    expect(r.json.error?.hint).toContain('--terminate-connections')
    expect(fingerprint(dir)).toEqual(fp)
    expect(databases(cluster)).toEqual(all)
    expect(contentOf(cluster, db)).toBe(base.ahead)
    const ok = cpo(
      dir,
      [
        'rollback',
        'stage',
        'S1',
        '--reason',
        'x',
        '--with-db',
        '--terminate-connections',
        '--yes',
        '--json',
      ],
      env,
    )
    expect(ok.json.ok, ok.stdout + ok.stderr).toBe(true)
    expect(contentOf(cluster, db)).toBe(base.atStart)
    expect(allowsConnections(db)).toBe('t')
  })

  it('wrong password and unreachable server: a clear error each, nothing changed; stage start only warns', () => {
    const { dir, db } = project()
    createPasswordRole(cluster, 'app', 'right-password')
    cluster.sql('postgres', `ALTER DATABASE ${db} OWNER TO app;`)
    const wrong = { DATABASE_URL: cluster.url(db, 'app', 'wrong-password') }
    const down = { DATABASE_URL: `postgres://app:right-password@127.0.0.1:1/${db}` }
    const fp = fingerprint(dir)
    const all = databases(cluster)
    for (const [env, code] of [
      [wrong, 'DB_AUTH_FAILED'],
      [down, 'DB_UNREACHABLE'],
    ] as const) {
      const r = cpo(dir, ['db', 'restore', 'stage-1-start', '--json'], env)
      expect(r.code, r.stdout).toBe(6)
      expect(r.json.error?.code).toBe(code)
      expect(r.stdout + r.stderr).not.toContain('right-password')
      expect(r.stdout + r.stderr).not.toContain('wrong-password')
      expect(r.json.error?.hint).toBeTruthy()
      const c = cpo(dir, ['db', 'checkpoint', 'x', '--json'], env)
      expect(c.json.error?.code).toBe(code)
    }
    expect(fingerprint(dir)).toEqual(fp)
    expect(databases(cluster)).toEqual(all)
    expect(contentOf(cluster, db)).toBe(base.ahead)
    // A stage start goes on without the database, with a warning saying why.
    const s = cpo(dir, ['stage', 'start', 'S2', '--ignore-deps', '--json'], wrong)
    expect(s.json.ok, s.stdout + s.stderr).toBe(true)
    expect(JSON.stringify(s.json.data)).toContain('database not checkpointed')
    expect(fs.existsSync(path.join(dir, '.checkpoints/db-stage-2-start.json'))).toBe(false)
  })

  it('a server that is not local (the host name, not in the local list) needs --remote; the plan shows row counts', async () => {
    const host = os.hostname()
    // The machine's own name resolves to loopback here, so the cluster answers under a name
    // the local rule does not know.
    expect((await dns.lookup(host)).address).toMatch(/^127\./)
    const { dir, db } = project()
    const env = { DATABASE_URL: `postgres://postgres@${host}:${cluster.port}/${db}` }
    const fp = fingerprint(dir)
    const all = databases(cluster)
    const r = cpo(
      dir,
      ['rollback', 'stage', 'S1', '--reason', 'x', '--with-db', '--yes', '--json'],
      env,
    )
    expect(r.code).toBe(2)
    expect(r.json.error?.code).toBe('DB_REMOTE_NEEDS_FLAG')
    expect(r.json.error?.message).toContain('replaces its 6 row(s) in 3 table(s)')
    expect(fingerprint(dir)).toEqual(fp)
    expect(databases(cluster)).toEqual(all)
    const plan = cpo(
      dir,
      ['db', 'restore', 'stage-1-start', '--dry-run', '--remote', '--json'],
      env,
    )
    expect(plan.json.data.plan.rowsReplaced).toEqual({
      'drizzle.__drizzle_migrations': 2,
      posts: 1,
      users: 3,
    })
    expect(plan.stderr + plan.stdout).toContain('users')
    const ok = cpo(dir, ['db', 'restore', 'stage-1-start', '--remote', '--json'], env)
    expect(ok.json.ok, ok.stdout + ok.stderr).toBe(true)
    expect(contentOf(cluster, db)).toBe(base.atStart)
  })

  it('db down-sql prints the SQL and the statements that drop data; --apply keeps rows, undo puts all back', () => {
    const { dir, db, env } = project()
    const printed = cpo(dir, ['db', 'down-sql', 'stage-1-start', '--json'], env)
    expect(printed.json.ok, printed.stdout + printed.stderr).toBe(true)
    const r = printed.json.data
    expect(r.dataLoss).toEqual([
      'drop table "public"."posts";',
      'drop sequence if exists "public"."posts_id_seq";',
    ])
    expect(r.migrationRows).toHaveLength(1)
    expect(r.statements.at(-1)).toMatch(
      /^DELETE FROM "drizzle"."__drizzle_migrations" WHERE hash IN/,
    )
    const text = cpo(dir, ['db', 'down-sql', 'stage-1-start'], env)
    expect(text.stdout).toMatch(/^drop table "public"."posts";$/im)
    expect(text.stdout).toContain('statement(s) drop data')
    expect(contentOf(cluster, db)).toBe(base.ahead)

    const applied = cpo(dir, ['db', 'down-sql', 'stage-1-start', '--apply', '--json'], env)
    expect(applied.json.ok, applied.stdout + applied.stderr).toBe(true)
    expect(tables(db)).toEqual(['users'])
    // The rows written after the checkpoint survive (a restore would have thrown linus away).
    expect(cluster.sql(db, 'SELECT name FROM users ORDER BY id;')).toBe('ada\ngrace\nlinus\n')
    expect(migrationRows(db)).toBe(migrationRows(`${db}__cpo_stage-1-start`))
    expect(fs.existsSync(path.join(dir, applied.json.data.beforeCopy))).toBe(true)

    const undo = cpo(dir, ['undo', '--yes', '--json'], env)
    expect(undo.json.ok, undo.stdout + undo.stderr).toBe(true)
    expect(contentOf(cluster, db)).toBe(base.ahead)
  })

  it('checkpoint delete parks the database copy with it; db list no longer shows it; undo puts both back', () => {
    const { dir, db, env } = project()
    const copy = `${db}__cpo_stage-1-start`
    const copyContent = contentOf(cluster, copy)
    const r = cpo(dir, ['checkpoint', 'delete', 'stage-1-start', '--yes', '--json'], env)
    expect(r.json.ok, r.stdout + r.stderr).toBe(true)
    expect(databases(cluster)).not.toContain(copy)
    const parked = `${db}__cpo_deleted_${r.json.data.opId}`
    expect(contentOf(cluster, parked)).toBe(copyContent)
    expect(fs.existsSync(path.join(dir, '.checkpoints/db-stage-1-start.json'))).toBe(false)
    expect(cpo(dir, ['db', 'list', '--json'], env).json.data.checkpoints).toEqual([])
    const prune = cpo(dir, ['db', 'prune', '--keep-last', '1', '--dry-run', '--json'], env)
    expect(prune.json.data, prune.stdout).toEqual({ dryRun: true, keep: [], remove: [] })

    const undo = cpo(dir, ['undo', '--yes', '--json'], env)
    expect(undo.json.ok, undo.stdout + undo.stderr).toBe(true)
    expect(contentOf(cluster, copy)).toBe(copyContent)
    expect(databases(cluster)).not.toContain(parked)
    const list = cpo(dir, ['db', 'list', '--json'], env).json.data.checkpoints
    expect(
      list.map((c: { checkpoint: string; present: boolean }) => [c.checkpoint, c.present]),
    ).toEqual([['stage-1-start', true]])
    const restored = cpo(dir, ['db', 'restore', 'stage-1-start', '--json'], env)
    expect(restored.json.ok, restored.stdout + restored.stderr).toBe(true)
    expect(contentOf(cluster, db)).toBe(base.atStart)
  })

  it('backup create --with-db dumps the newest template copy into db/; verify reads it; restore --db-url builds a new database', () => {
    const { dir, db, env } = project()
    const store = tempDir()
    const made = cpo(dir, ['backup', 'create', '--store', store, '--with-db', '--json'], env)
    expect(made.json.ok, made.stdout + made.stderr).toBe(true)
    const id = made.json.data.id
    expect(made.json.data.db).toMatchObject({
      engine: 'postgres',
      path: `db/${db}.dump`,
      source: 'checkpoint stage-1-start',
      database: db,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    const entry = made.json.data.db
    const manifest = JSON.parse(
      fs.readFileSync(
        path.join(store, fs.readdirSync(store).find((n) => n.includes(id)) ?? '', 'manifest.json'),
        'utf8',
      ),
    )
    expect(manifest.db).toEqual(entry)
    expect(manifest.entries).toContainEqual(
      expect.objectContaining({ path: entry.path, size: entry.size, sha256: entry.sha256 }),
    )
    const verified = cpo(dir, ['backup', 'verify', '--store', store, id, '--json'], env)
    expect(verified.json.data.ok, verified.stdout).toBe(true)

    const target = path.join(tempDir(), 'restored')
    const newDb = `${db}_restored`
    const restored = cpo(
      dir,
      ['restore', id, target, '--store', store, '--db-url', cluster.url(newDb), '--json'],
      env,
    )
    expect(restored.json.ok, restored.stdout + restored.stderr).toBe(true)
    expect(contentOf(cluster, newDb)).toBe(base.atStart)
    expect(fs.existsSync(path.join(target, 'master-project.json'))).toBe(true)

    // A database that holds tables is refused before anything is written.
    const again = path.join(tempDir(), 'again')
    const all = databases(cluster)
    const refused = cpo(
      dir,
      ['restore', id, again, '--store', store, '--db-url', cluster.url(db), '--json'],
      env,
    )
    expect(refused.code).toBe(4)
    expect(refused.json.error?.code).toBe('DB_TARGET_NOT_EMPTY')
    expect(fs.existsSync(again)).toBe(false)
    expect(databases(cluster)).toEqual(all)
    expect(contentOf(cluster, db)).toBe(base.ahead)
  })
})
