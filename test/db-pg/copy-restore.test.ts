import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createPostgresEngine, postgresLocation } from '../../src/adapters/db/postgres.js'
import { type Cluster, pgBinDir, startCluster } from '../helpers/postgres.js'
import { tempDir } from '../helpers/repo.js'
import { contentOf, databases, makeAppDb } from './fixture.js'

let cluster: Cluster
const engine = createPostgresEngine()

beforeAll(async () => {
  cluster = await startCluster()
  makeAppDb(cluster, 'fixture')
})

/** A fresh application database per test (CREATE DATABASE … TEMPLATE is cheap). */
let n = 0
function freshApp(): { name: string; db: ReturnType<typeof postgresLocation> } {
  n += 1
  const name = `app${n}`
  cluster.sql('postgres', `CREATE DATABASE ${name} TEMPLATE fixture;`)
  return { name, db: postgresLocation(cluster.url(name)) }
}

/** A psql session that stays connected to `db` until killed, like a dev server's pool. */
async function holdSession(db: string): Promise<() => Promise<void>> {
  const child = spawn(
    path.join(pgBinDir(), 'psql'),
    ['-X', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-d', db],
    { stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, PGAPPNAME: 'dev-server' } },
  )
  child.stdin.write('SELECT 1;\n')
  for (let i = 0; i < 100; i++) {
    const count = cluster
      .sql(
        'postgres',
        `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND application_name = 'dev-server';`,
      )
      .trim()
    if (count === '1') break
    await new Promise((r) => setTimeout(r, 50))
  }
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
}

describe('template copies', () => {
  it('round trip: a template copy staged and swapped in brings back tables, rows, sequences and both migration tables', async () => {
    const { name, db } = freshApp()
    const before = contentOf(cluster, name)
    const copy = await engine.copy(db, { strategy: 'template', location: `${name}__cpo_cp1` })
    expect(copy.strategy).toBe('template')
    expect(copy.bytes).toBeGreaterThan(0)
    expect(contentOf(cluster, `${name}__cpo_cp1`)).toBe(before)

    // The stage after the checkpoint: a new migration, new rows, a dropped column.
    cluster.sql(
      name,
      `CREATE TABLE comments (id serial PRIMARY KEY, body text);
INSERT INTO comments (body) VALUES ('later');
INSERT INTO users (email) VALUES ('new@example.com');
ALTER TABLE posts DROP COLUMN body;
INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('ccc', 1700000002000);`,
    )
    const after = contentOf(cluster, name)
    expect(after).not.toBe(before)

    await engine.verifyCopy(db, copy)
    await engine.stage(db, copy, `${name}__cpo_new_op1`)
    await engine.swap(db, `${name}__cpo_new_op1`, `${name}__cpo_before_op1`)
    expect(contentOf(cluster, name)).toBe(before)
    expect(contentOf(cluster, `${name}__cpo_before_op1`)).toBe(after)
    expect(databases(cluster)).not.toContain(`${name}__cpo_new_op1`)
    // The copy itself is still there for the next restore.
    expect(contentOf(cluster, `${name}__cpo_cp1`)).toBe(before)

    // Undo is a swap back.
    await engine.swap(db, `${name}__cpo_before_op1`, `${name}__cpo_undone_op1`)
    expect(contentOf(cluster, name)).toBe(after)
    expect(contentOf(cluster, `${name}__cpo_undone_op1`)).toBe(before)
    expect(await engine.list(db, `${name}__cpo_`)).toEqual([
      `${name}__cpo_cp1`,
      `${name}__cpo_undone_op1`,
    ])
  })

  it('a connected session blocks a template copy and is listed; terminateConnections ends it and reopens the database', async () => {
    const { name, db } = freshApp()
    const release = await holdSession(name)
    try {
      const sessions = await engine.sessions(db)
      expect(sessions).toHaveLength(1)
      expect(sessions[0]).toMatchObject({ application: 'dev-server', user: 'postgres' })
      const pid = sessions[0]?.pid
      const err = await engine
        .copy(db, { strategy: 'template', location: `${name}__cpo_busy` })
        .catch((e) => e)
      expect(err.code).toBe('DB_IN_USE')
      expect(err.message).toContain(`pid ${pid} (dev-server, user postgres`)
      expect(err.hint).toContain('--terminate-connections')
      expect(databases(cluster)).not.toContain(`${name}__cpo_busy`)

      const copy = await engine.copy(
        db,
        { strategy: 'template', location: `${name}__cpo_busy` },
        { terminateConnections: true },
      )
      expect(copy.location).toBe(`${name}__cpo_busy`)
      expect(contentOf(cluster, copy.location)).toBe(contentOf(cluster, name))
      expect(await engine.sessions(db)).toEqual([])
      // Connections are allowed again.
      expect(
        cluster
          .sql('postgres', `SELECT datallowconn FROM pg_database WHERE datname = '${name}';`)
          .trim(),
      ).toBe('t')
    } finally {
      await release()
    }
  })

  it('a swap with a session on live is refused with the session named, and changes nothing', async () => {
    const { name, db } = freshApp()
    await engine.copy(db, { strategy: 'template', location: `${name}__cpo_a` })
    await engine.stage(
      db,
      { strategy: 'template', location: `${name}__cpo_a` },
      `${name}__cpo_new_x`,
    )
    cluster.sql(name, "INSERT INTO users (email) VALUES ('only-in-live@example.com');")
    const live = contentOf(cluster, name)
    const release = await holdSession(name)
    try {
      const err = await engine
        .swap(db, `${name}__cpo_new_x`, `${name}__cpo_before_x`)
        .catch((e) => e)
      expect(err.code).toBe('DB_IN_USE')
      expect(err.message).toContain('dev-server')
      expect(contentOf(cluster, name)).toBe(live)
      expect(databases(cluster)).toContain(`${name}__cpo_new_x`)
      expect(databases(cluster)).not.toContain(`${name}__cpo_before_x`)

      await engine.swap(db, `${name}__cpo_new_x`, `${name}__cpo_before_x`, {
        terminateConnections: true,
      })
      expect(contentOf(cluster, `${name}__cpo_before_x`)).toBe(live)
      expect(contentOf(cluster, name)).not.toContain('only-in-live')
      for (const d of [name, `${name}__cpo_before_x`]) {
        expect(
          cluster
            .sql('postgres', `SELECT datallowconn FROM pg_database WHERE datname = '${d}';`)
            .trim(),
        ).toBe('t')
      }
    } finally {
      await release()
    }
  })
})

describe('dump copies', () => {
  it('round trip: a dump (pg_restore --list proves it) restored beside live and swapped in equals the checkpoint', async () => {
    const { name, db } = freshApp()
    const dir = tempDir()
    const file = path.join(dir, 'db-cp1.dump')
    const before = contentOf(cluster, name)
    const copy = await engine.copy(db, { strategy: 'dump', location: file })
    expect(copy).toMatchObject({ strategy: 'dump', location: file, bytes: fs.statSync(file).size })
    expect(copy.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP')
    // Nothing but the dump is left in the directory (no temp file).
    expect(fs.readdirSync(dir)).toEqual(['db-cp1.dump'])

    cluster.sql(name, `DROP TABLE posts; CREATE TABLE later (x int); INSERT INTO later VALUES (1);`)
    await engine.verifyCopy(db, copy)
    await engine.stage(db, copy, `${name}__cpo_new_d1`)
    expect(contentOf(cluster, `${name}__cpo_new_d1`)).toBe(before)
    await engine.swap(db, `${name}__cpo_new_d1`, `${name}__cpo_before_d1`)
    expect(contentOf(cluster, name)).toBe(before)
    expect(contentOf(cluster, `${name}__cpo_before_d1`)).toContain('public.later')
    // The engine reads both migration tables of the restored database.
    expect(
      await engine.query(db, 'SELECT hash FROM drizzle.__drizzle_migrations ORDER BY created_at'),
    ).toEqual([{ hash: 'aaa' }, { hash: 'bbb' }])
    expect(
      await engine.query(db, 'SELECT migration_name, applied_steps_count FROM _prisma_migrations'),
    ).toEqual([{ migration_name: '20240101000000_init', applied_steps_count: 1 }])
  })

  it('a dump copy works beside an open session (pg_dump does not need the database alone)', async () => {
    const { name, db } = freshApp()
    const release = await holdSession(name)
    try {
      const file = path.join(tempDir(), 'busy.dump')
      await engine.copy(db, { strategy: 'dump', location: file })
      expect(fs.statSync(file).size).toBeGreaterThan(0)
    } finally {
      await release()
    }
  })

  it('a corrupt dump fails stage: live untouched, no staged database left', async () => {
    const { name, db } = freshApp()
    const file = path.join(tempDir(), 'db-cp.dump')
    await engine.copy(db, { strategy: 'dump', location: file })
    // Damage the data part of the archive, keeping its header and table of contents readable.
    const bytes = fs.readFileSync(file)
    const cut = Math.floor(bytes.length * 0.6)
    fs.writeFileSync(
      file,
      Buffer.concat([bytes.subarray(0, cut), Buffer.alloc(bytes.length - cut, 0x5a)]),
    )
    const live = contentOf(cluster, name)
    const all = databases(cluster)

    const err = await engine
      .stage(db, { strategy: 'dump', location: file }, `${name}__cpo_new_bad`)
      .catch((e) => e)
    expect(err.code).toBe('DB_RESTORE_FAILED')
    expect(err.message).toContain('the live database was not touched')
    expect(databases(cluster)).toEqual(all)
    expect(contentOf(cluster, name)).toBe(live)
  })

  it('a truncated dump fails verifyCopy with a clear code', async () => {
    const { name, db } = freshApp()
    const file = path.join(tempDir(), 'db-cp.dump')
    await engine.copy(db, { strategy: 'dump', location: file })
    fs.truncateSync(file, 40)
    const err = await engine.verifyCopy(db, { strategy: 'dump', location: file }).catch((e) => e)
    expect(err.code).toBe('DB_COPY_UNREADABLE')
    expect(databases(cluster)).toContain(name)
  })
})

describe('schema, row counts, names', () => {
  it('schema text is deterministic and free of comments, SET and \\restrict lines', async () => {
    const { name, db } = freshApp()
    const a = await engine.schema(db)
    const b = await engine.schema(db)
    expect(a).toBe(b)
    expect(a).toContain('CREATE TABLE public.users')
    expect(a).toContain('CREATE TABLE drizzle.__drizzle_migrations')
    expect(a).not.toMatch(/^(--|SET |\\restrict|\\unrestrict|SELECT pg_catalog.set_config)/m)
    // A copy has the same schema text.
    await engine.copy(db, { strategy: 'template', location: `${name}__cpo_s` })
    expect(await engine.schema(postgresLocation(cluster.url(`${name}__cpo_s`)))).toBe(a)
  })

  it('row counts per table, exact, schema-qualified outside public', async () => {
    const { db } = freshApp()
    expect(await engine.rowCounts(db)).toEqual({
      _prisma_migrations: 1,
      'drizzle.__drizzle_migrations': 2,
      posts: 500,
      users: 200,
    })
  })

  it('query returns [] for a missing table, refuses writes', async () => {
    const { name, db } = freshApp()
    expect(await engine.query(db, 'SELECT * FROM nope.__drizzle_migrations')).toEqual([])
    expect(await engine.query(db, 'SELECT * FROM no_such_table')).toEqual([])
    const err = await engine
      .query(db, "INSERT INTO users (email) VALUES ('w@x') RETURNING id")
      .catch((e) => e)
    expect(err.code).toBe('DB_COMMAND_FAILED')
    expect(cluster.sql(name, "SELECT count(*) FROM users WHERE email = 'w@x';").trim()).toBe('0')
  })

  it('a database name with quotes and spaces is quoted everywhere', async () => {
    const name = 'my "odd" app\'s db'
    cluster.sql('postgres', `CREATE DATABASE "my ""odd"" app's db";`)
    cluster.sql(name, 'CREATE TABLE t (x int); INSERT INTO t VALUES (42);')
    const db = postgresLocation(cluster.url(name))
    expect(db.name).toBe(name)
    const file = path.join(tempDir(), 'odd.dump')
    const copy = await engine.copy(db, { strategy: 'dump', location: file })
    await engine.copy(db, { strategy: 'template', location: `${name}__cpo_t` })
    await engine.stage(db, copy, `${name}__cpo_new_1`)
    await engine.swap(db, `${name}__cpo_new_1`, `${name}__cpo_before_1`)
    expect(cluster.sql(name, 'SELECT x FROM t;').trim()).toBe('42')
    expect(await engine.list(db, `${name}__cpo_`)).toEqual([
      `${name}__cpo_before_1`,
      `${name}__cpo_t`,
    ])
    await engine.drop(db, `${name}__cpo_t`)
    expect(await engine.exists(db, `${name}__cpo_t`)).toBe(false)
  })

  it('drop refuses the live database and databases cpo did not make', async () => {
    const { name, db } = freshApp()
    for (const victim of [name, 'postgres']) {
      const err = await engine.drop(db, victim).catch((e) => e)
      expect(err.message).toContain('cpo drops only the databases it made')
    }
    expect(databases(cluster)).toContain(name)
  })
})
