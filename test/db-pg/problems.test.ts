import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createPostgresEngine, postgresLocation } from '../../src/adapters/db/postgres.js'
import { type Cluster, createPasswordRole, pgBinDir, startCluster } from '../helpers/postgres.js'
import { tempDir } from '../helpers/repo.js'
import { databases } from './fixture.js'

const PASSWORD = 'Sup3r-s3cret!pw'
let cluster: Cluster

beforeAll(async () => {
  cluster = await startCluster()
  createPasswordRole(cluster, 'appuser', PASSWORD)
  cluster.sql('postgres', 'CREATE DATABASE app OWNER appuser;')
  cluster.sql('app', 'SET ROLE appuser; CREATE TABLE t (x int); INSERT INTO t VALUES (1);')
})

/** A directory holding only the named tools (links to the real ones). */
function toolDir(names: string[], fake: Record<string, string> = {}): string {
  const dir = tempDir()
  for (const n of names) fs.symlinkSync(path.join(pgBinDir(), n), path.join(dir, n))
  for (const [n, script] of Object.entries(fake)) {
    fs.writeFileSync(path.join(dir, n), script, { mode: 0o755 })
  }
  return dir
}

function noPassword(value: unknown): void {
  expect(JSON.stringify(value)).not.toContain(PASSWORD)
  expect(JSON.stringify(value)).not.toContain(encodeURIComponent(PASSWORD))
}

describe('probe', () => {
  const engine = createPostgresEngine()

  it('reports the server version and the tools with their versions', async () => {
    const probe = await engine.probe(postgresLocation(cluster.url('app', 'appuser', PASSWORD)))
    expect(probe.reachable).toBe(true)
    expect(probe.problem).toBeUndefined()
    expect(probe.serverVersion).toMatch(/^15\.\d+/)
    expect(probe.tools.map((t) => t.name)).toEqual(['pg_dump', 'pg_restore', 'psql'])
    for (const t of probe.tools) {
      expect(t.version).toMatch(/^15\.\d+/)
      expect(fs.existsSync(t.path as string)).toBe(true)
    }
  })

  it('wrong password → DB_AUTH_FAILED, and the password is in no message', async () => {
    const db = postgresLocation(cluster.url('app', 'appuser', 'not-the-password'))
    const probe = await engine.probe(db)
    expect(probe.reachable).toBe(false)
    expect(probe.problem?.code).toBe('DB_AUTH_FAILED')
    expect(probe.problem?.message).toContain('password authentication failed')
    expect(probe.problem?.message).toContain('postgres://appuser:***@127.0.0.1')
    expect(JSON.stringify(probe)).not.toContain('not-the-password')

    const err = await engine
      .copy(db, { strategy: 'dump', location: path.join(tempDir(), 'x.dump') })
      .catch((e) => e)
    expect(err.code).toBe('DB_AUTH_FAILED')
    expect(JSON.stringify({ m: err.message, h: err.hint })).not.toContain('not-the-password')
  })

  it('the right password reaches the tools through the environment only', async () => {
    const db = postgresLocation(cluster.url('app', 'appuser', PASSWORD))
    const file = path.join(tempDir(), 'ok.dump')
    const copy = await engine.copy(db, { strategy: 'dump', location: file })
    noPassword(copy)
    expect(fs.statSync(file).size).toBeGreaterThan(0)
    // A tool that prints its own command line proves the password is not on it.
    const dir = toolDir(['pg_restore', 'psql'], {
      pg_dump: `#!/bin/sh\nif [ "$1" = --version ]; then echo "pg_dump (PostgreSQL) 15.99"; exit 0; fi\necho "args: $*" >&2\n[ "$PGPASSWORD" = '${PASSWORD}' ] && echo "env has it" >&2\nexit 1\n`,
    })
    const spy = createPostgresEngine({ env: { ...process.env, PATH: dir }, toolDirs: [] })
    const err = await spy
      .copy(db, { strategy: 'dump', location: path.join(tempDir(), 'y.dump') })
      .catch((e) => e)
    expect(err.message).toContain('env has it')
    expect(err.message).toContain('args: -Fc -Z1 --no-owner --no-privileges -f')
    noPassword({ m: err.message, h: err.hint })
  })

  it('refused port → DB_UNREACHABLE', async () => {
    const probe = await engine.probe(
      postgresLocation(`postgres://appuser:${PASSWORD}@127.0.0.1:1/app`),
    )
    expect(probe.problem?.code).toBe('DB_UNREACHABLE')
    expect(probe.problem?.hint).toContain('Start the database server')
    noPassword(probe)
  })

  it('unknown host → DB_UNREACHABLE', async () => {
    const probe = await engine.probe(
      postgresLocation(`postgres://appuser:${PASSWORD}@no-such-host.invalid:5432/app`),
    )
    expect(probe.problem?.code).toBe('DB_UNREACHABLE')
    noPassword(probe)
  })

  it('missing database → DB_NOT_FOUND', async () => {
    const probe = await engine.probe(postgresLocation(cluster.url('nope', 'appuser', PASSWORD)))
    expect(probe.problem?.code).toBe('DB_NOT_FOUND')
    expect(probe.problem?.message).toContain('"nope" does not exist')
  })

  it('pg_dump missing from PATH → DB_TOOL_MISSING with the install hint; copy refuses, nothing written', async () => {
    const only = createPostgresEngine({
      env: { ...process.env, PATH: toolDir(['psql', 'pg_restore']) },
      toolDirs: [],
    })
    const db = postgresLocation(cluster.url('app'))
    const probe = await only.probe(db)
    expect(probe.reachable).toBe(true)
    expect(probe.problem?.code).toBe('DB_TOOL_MISSING')
    expect(probe.problem?.message).toContain('pg_dump not found')
    expect(probe.problem?.hint).toContain('postgresql-client-15')
    expect(probe.tools.find((t) => t.name === 'pg_dump')).toMatchObject({
      problem: expect.stringContaining('not found'),
    })
    const dir = tempDir()
    const err = await only
      .copy(db, { strategy: 'dump', location: path.join(dir, 'x.dump') })
      .catch((e) => e)
    expect(err.code).toBe('DB_TOOL_MISSING')
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it('a pg_dump older than the server → DB_TOOL_TOO_OLD naming both versions', async () => {
    const old = createPostgresEngine({
      env: {
        ...process.env,
        PATH: toolDir(['psql', 'pg_restore'], {
          pg_dump: '#!/bin/sh\necho "pg_dump (PostgreSQL) 14.11"\n',
        }),
      },
      toolDirs: [],
    })
    const probe = await old.probe(postgresLocation(cluster.url('app')))
    expect(probe.problem?.code).toBe('DB_TOOL_TOO_OLD')
    expect(probe.problem?.message).toMatch(/pg_dump 14\.11 is older than the server \(15\.\d+/)
    expect(probe.problem?.hint).toContain('sudo apt-get install postgresql-client-15')
  })

  it('a server too new for pg_dump (its own refusal) maps to DB_TOOL_TOO_OLD', async () => {
    const old = createPostgresEngine({
      env: {
        ...process.env,
        PATH: toolDir(['psql', 'pg_restore'], {
          pg_dump: `#!/bin/sh\nif [ "$1" = --version ]; then echo "pg_dump (PostgreSQL) 15.2"; exit 0; fi\necho 'pg_dump: error: aborting because of server version mismatch' >&2\necho 'pg_dump: detail: server version: 16.1; pg_dump version: 15.2' >&2\nexit 1\n`,
        }),
      },
      toolDirs: [],
    })
    const dir = tempDir()
    const err = await old
      .copy(postgresLocation(cluster.url('app')), {
        strategy: 'dump',
        location: path.join(dir, 'x.dump'),
      })
      .catch((e) => e)
    expect(err.code).toBe('DB_TOOL_TOO_OLD')
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it('a unix socket URL is local and works', async () => {
    const db = postgresLocation(
      `postgres://postgres@/app?host=${encodeURIComponent(cluster.socketDir)}&port=${cluster.port}`,
    )
    expect(db.local).toBe(true)
    expect(await engine.rowCounts(db)).toEqual({ t: 1 })
  })

  it('a user who cannot read a table → DB_PERMISSION; no dump left behind', async () => {
    cluster.sql('app', 'CREATE TABLE secret_admin (x int);')
    const dir = tempDir()
    const err = await engine
      .copy(postgresLocation(cluster.url('app', 'appuser', PASSWORD)), {
        strategy: 'dump',
        location: path.join(dir, 'x.dump'),
      })
      .catch((e) => e)
    cluster.sql('app', 'DROP TABLE secret_admin;')
    expect(err.code).toBe('DB_PERMISSION')
    expect(err.message).toContain('permission denied for table secret_admin')
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it('a user without CREATEDB gets DB_PERMISSION for a template copy; nothing is created', async () => {
    cluster.sql('postgres', 'CREATE ROLE plain LOGIN; ')
    const db = postgresLocation(cluster.url('app', 'plain'))
    const before = databases(cluster)
    const err = await engine
      .copy(db, { strategy: 'template', location: 'app__cpo_x' })
      .catch((e) => e)
    expect(err.code).toBe('DB_PERMISSION')
    expect(err.hint).toContain('CREATEDB')
    expect(databases(cluster)).toEqual(before)
  })
})
