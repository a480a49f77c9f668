import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { readDrizzleConfig, readPrismaSchema } from '../../src/core/db/config-files.js'
import { redactPostgresUrl } from '../../src/core/db/postgres-url.js'
import { parseDbUrl } from '../../src/core/db/url.js'
import { cpo, makeRepo, sh } from '../helpers/repo.js'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

describe('finding the database', () => {
  it('parses SQLite URLs relative to the file naming them, and masks passwords', () => {
    expect(parseDbUrl('file:./dev.db', '/p/prisma')?.name).toBe('/p/prisma/dev.db')
    expect(parseDbUrl('sqlite:///var/app.sqlite', '/p')?.name).toBe('/var/app.sqlite')
    expect(parseDbUrl('./data/app.db', '/p')?.name).toBe('/p/data/app.db')
    const pg = parseDbUrl('postgresql://app:s3cret@db.example.com:5432/shop?sslmode=require', '/p')
    expect(pg).toMatchObject({ engine: 'postgres', name: 'shop', local: false })
    expect(pg?.redactedUrl).not.toContain('s3cret')
    expect(parseDbUrl('postgres://u:p@127.0.0.2/x', '/p')?.local).toBe(true)
    expect(parseDbUrl('postgres://u@/x?host=/tmp/sock', '/p')?.local).toBe(true)
    expect(redactPostgresUrl('postgres://u:pw@h/db?password=pw2')).toBe(
      'postgres://u:***@h/db?password=***',
    )
  })

  it('postgres URLs go through the engine parser: several hosts, IPv6, sockets, the local rule', () => {
    expect(
      parseDbUrl('postgres://app@127.0.0.1:5432,db.example.com:5433/shop', '/p'),
    ).toMatchObject({ engine: 'postgres', name: 'shop', local: false })
    expect(parseDbUrl('postgres://app@127.0.0.1:5432,[::1]:5433/shop', '/p')?.local).toBe(true)
    expect(parseDbUrl('postgres:///shop?host=/run/postgresql', '/p')).toMatchObject({
      name: 'shop',
      local: true,
    })
    // A name that resolves to loopback is still not in the local list: restores need --remote.
    expect(parseDbUrl('postgres://app@vm:5432/shop', '/p')?.local).toBe(false)
    expect(parseDbUrl('postgres://app@10.0.0.7/shop', '/p')?.local).toBe(false)
    // No database in the URL: libpq's default, the user's name.
    expect(parseDbUrl('postgres://app:pw@localhost:5432', '/p', 'me')?.name).toBe('app')
    expect(parseDbUrl('postgres://localhost:5432', '/p', 'me')?.name).toBe('me')
    expect(parseDbUrl('postgres://a:b@h:x/db', '/p')).toBeUndefined()
  })

  it('reads Prisma and Drizzle configs as text', () => {
    expect(
      readPrismaSchema('datasource db {\n  provider = "sqlite"\n  url = env("APP_DB")\n}'),
    ).toEqual({
      provider: 'sqlite',
      url: { env: 'APP_DB' },
    })
    expect(
      readPrismaSchema('datasource db {\n provider = "postgresql"\n url = "file:./x.db"\n}').url,
    ).toEqual({
      literal: 'file:./x.db',
    })
    const ts = `export default defineConfig({
  dialect: 'postgresql', out: './migrations',
  dbCredentials: { url: process.env.PG_URL! },
  migrations: { table: 'my_migrations', schema: 'public' },
})`
    expect(readDrizzleConfig(ts, false)).toEqual({
      dialect: 'postgresql',
      out: './migrations',
      url: { env: 'PG_URL' },
      migrationsTable: 'my_migrations',
      migrationsSchema: 'public',
    })
    expect(
      readDrizzleConfig('{"dialect":"sqlite","dbCredentials":{"url":"a.db"}}', true).url,
    ).toEqual({
      literal: 'a.db',
    })
  })

  it('db status: the variable the Prisma schema names, from .env.local over .env, relative to prisma/', () => {
    const dir = makeRepo({
      'prisma/schema.prisma': 'datasource db {\n  provider = "sqlite"\n  url = env("APP_DB")\n}\n',
      '.env': 'APP_DB=file:./other.db\n',
      '.env.local': 'APP_DB="file:./dev.db"\n',
      '.gitignore': '*.db\n',
    })
    const r = cpo(dir, ['db', 'status', '--json'])
    expect(r.json.data.found).toMatchObject({
      engine: { value: 'sqlite', source: '.env.local (APP_DB)' },
      orm: { value: 'prisma' },
      database: `${dir}/prisma/dev.db`,
      migrations: { folder: 'prisma/migrations', layout: 'prisma', table: '_prisma_migrations' },
    })
    expect(r.json.data.probe.problem.code).toBe('DB_NOT_FOUND')
  })

  it('db status: nothing configured says exactly what is missing; the tech stack gives the engine', () => {
    const dir = makeRepo({
      'master-project.json': JSON.stringify({
        productDefinition: { techStack: { database: 'PostgreSQL 15' } },
      }),
    })
    const r = cpo(dir, ['db', 'status', '--json'], { DATABASE_URL: '' })
    expect(r.code).toBe(4)
    expect(r.json.data.found.engine).toEqual({
      value: 'postgres',
      source: 'master-project.json productDefinition.techStack.database',
    })
    expect(r.json.data.found.missing[0]).toContain('DATABASE_URL is not set')
    const c = cpo(dir, ['db', 'checkpoint', '--json'], { DATABASE_URL: '' })
    expect(c.json.error?.code).toBe('DB_NOT_CONFIGURED')
    expect(c.json.error?.hint).toContain('--db-url')
  })

  it("migration truth for Prisma's table: edited, failed (no finished_at) and pending, each with its fix", () => {
    const m1 = 'CREATE TABLE a (id INTEGER);\n'
    const m2 = 'CREATE TABLE b (id INTEGER);\n'
    const dir = makeRepo({
      'prisma/schema.prisma':
        'datasource db {\n  provider = "sqlite"\n  url = "file:./dev.db"\n}\n',
      'prisma/migrations/20260101000000_a/migration.sql': m1,
      'prisma/migrations/20260102000000_b/migration.sql': `${m2}-- edited\n`,
      'prisma/migrations/20260104000000_d/migration.sql': 'SELECT 1;\n',
      '.gitignore': '*.db\n',
    })
    // Prisma's own DDL (its engine cannot run here) and its checksums: sha256 of migration.sql.
    const ddl = `CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0);
INSERT INTO _prisma_migrations VALUES ('1', '${sha(m1)}', '2026-01-01', '20260101000000_a', NULL, NULL, '2026-01-01', 1);
INSERT INTO _prisma_migrations VALUES ('2', '${sha(m2)}', '2026-01-02', '20260102000000_b', NULL, NULL, '2026-01-02', 1);
INSERT INTO _prisma_migrations VALUES ('3', '${sha('x')}', NULL, '20260103000000_c', 'boom', NULL, '2026-01-03', 0);`
    sh(dir, 'sqlite3', 'prisma/dev.db', ddl)
    const r = cpo(dir, ['db', 'status', '--json'])
    const kinds = r.json.data.migrations.problems.map(
      (p: { kind: string; name: string; fix: string }) => [p.kind, p.name, p.fix],
    )
    expect(kinds).toEqual([
      ['edited', '20260102000000_b', expect.stringContaining('git log -p')],
      [
        'failed',
        '20260103000000_c',
        expect.stringContaining('npx prisma migrate resolve --rolled-back 20260103000000_c'),
      ],
      ['pending', '20260104000000_d', 'npx prisma migrate deploy'],
    ])
    expect(r.code).toBe(4)
  })
})
