import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, startCluster } from '../helpers/postgres.js'
import { commitAll, cpo, makeRepo, writeFiles } from '../helpers/repo.js'
import { contentOf, databases, PRISMA_MIGRATIONS_DDL } from './fixture.js'

let cluster: Cluster

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const INIT = `CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, CONSTRAINT users_email_key UNIQUE (email));\n`
const LOOSE = `ALTER TABLE users DROP CONSTRAINT users_email_key;\nCREATE TABLE notes (id serial PRIMARY KEY, body text);\n`
const SCHEMA = `datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n`

const historyRow = (name: string, sql: string, n: number) =>
  `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)
   VALUES ('0b5e0d5e-0000-4000-8000-00000000000${n}', '${sha(sql)}', now(), '${name}', 1);`

const oidOf = (db: string) =>
  cluster.sql('postgres', `SELECT oid FROM pg_database WHERE datname = '${db}';`).trim()

beforeAll(async () => {
  cluster = await startCluster()
})

/**
 * A Prisma project whose checkpoint has a unique email; the stage after it drops the constraint
 * (a migration in the tree and in `_prisma_migrations`), adds a table and a duplicate email.
 */
function project(db: string) {
  cluster.sql('postgres', `CREATE DATABASE ${db};`)
  cluster.sql(
    db,
    `${INIT}INSERT INTO users (email) VALUES ('ada@example.com'), ('grace@example.com');
${PRISMA_MIGRATIONS_DDL}
${historyRow('20240101000000_init', INIT, 1)}`,
  )
  const dir = makeRepo({
    'README.md': '# shop\n',
    'prisma/schema.prisma': SCHEMA,
    'prisma/migrations/20240101000000_init/migration.sql': INIT,
  })
  const env = { DATABASE_URL: cluster.url(db) }
  const cp = cpo(dir, ['db', 'checkpoint', 'cp1', '--strategy', 'dump', '--json'], env)
  if (!cp.json.ok) throw new Error(`db checkpoint failed: ${cp.stdout}${cp.stderr}`)
  writeFiles(dir, { 'prisma/migrations/20240102000000_loose/migration.sql': LOOSE })
  commitAll(dir, 'feat: loose emails')
  cluster.sql(
    db,
    `${LOOSE}INSERT INTO notes (body) VALUES ('kept?');
INSERT INTO users (email) VALUES ('ada@example.com');
${historyRow('20240102000000_loose', LOOSE, 2)}`,
  )
  return { dir, env }
}

describe('cpo db down-sql --apply when a statement fails', () => {
  it('the transaction rolls back: live keeps its rows, tables, history and identity; the error names the statement', () => {
    const { dir, env } = project('shop')
    const printed = cpo(dir, ['db', 'down-sql', 'cp1', '--json'], env)
    expect(printed.json.ok, printed.stdout + printed.stderr).toBe(true)
    const statements: string[] = printed.json.data.statements
    const failing = statements.findIndex((s) => /users_email_key/.test(s))
    // The failing statement comes after one that would have changed live (drop table notes).
    expect(failing).toBeGreaterThan(0)
    expect(statements.slice(0, failing).some((s) => /^drop table "public"."notes"/.test(s))).toBe(
      true,
    )

    const before = contentOf(cluster, 'shop')
    const oid = oidOf('shop')
    const all = databases(cluster)
    const r = cpo(dir, ['db', 'down-sql', 'cp1', '--apply', '--json'], env)

    expect(r.json.ok, r.stdout + r.stderr).toBe(false)
    expect(r.code).toBe(6)
    expect(r.json.error?.code).toBe('DB_SQL_FAILED')
    expect(r.json.error?.message).toContain(
      `statement ${failing + 1} of ${statements.length} (${statements[failing]}) failed on shop`,
    )
    expect(r.json.error?.message).toMatch(
      /could not create unique index "users_email_key" \(Key \(email\)=\(ada@example.com\) is duplicated/,
    )
    expect(r.json.error?.message).toContain('the transaction was rolled back, shop is as it was')
    expect(r.json.error?.hint).toContain('cpo db down-sql cp1 --apply')
    // The same database (not a restored copy), every row, table and history row as it was.
    expect(oidOf('shop')).toBe(oid)
    expect(contentOf(cluster, 'shop')).toBe(before)
    expect(cluster.sql('shop', 'SELECT migration_name FROM _prisma_migrations ORDER BY 1;')).toBe(
      '20240101000000_init\n20240102000000_loose\n',
    )
    expect(databases(cluster)).toEqual(all)
    // No dump of live is left for a revert to restore.
    expect(
      fs.readdirSync(path.join(dir, '.checkpoints')).filter((f) => f.includes('down-sql')),
    ).toEqual([])
  })
})
