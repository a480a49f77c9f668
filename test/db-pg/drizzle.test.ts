import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import { createPostgresEngine, postgresLocation } from '../../src/adapters/db/postgres.js'
import { type Cluster, startCluster } from '../helpers/postgres.js'
import { tempDir, writeFiles } from '../helpers/repo.js'

const NODE_MODULES = path.resolve(import.meta.dirname, '../../node_modules')
let cluster: Cluster

beforeAll(async () => {
  cluster = await startCluster()
  cluster.sql('postgres', 'CREATE DATABASE shop;')
})

/** A project using Drizzle for real: drizzle-kit generate and migrate against the cluster. */
function drizzleKit(dir: string, ...args: string[]): string {
  return execFileSync(path.join(NODE_MODULES, '.bin', 'drizzle-kit'), args, {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: cluster.url('shop') },
  })
}

it('real drizzle-kit migrations: the engine reads drizzle.__drizzle_migrations, and a copy taken between them restores the first', async () => {
  const dir = tempDir()
  fs.symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'))
  writeFiles(dir, {
    'drizzle.config.ts': `import { defineConfig } from 'drizzle-kit'
export default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle', dbCredentials: { url: process.env.DATABASE_URL! } })
`,
    'schema.ts': `import { pgTable, serial, text } from 'drizzle-orm/pg-core'
export const users = pgTable('users', { id: serial('id').primaryKey(), email: text('email').notNull() })
`,
  })
  drizzleKit(dir, 'generate', '--name', 'init')
  drizzleKit(dir, 'migrate')
  cluster.sql('shop', "INSERT INTO users (email) VALUES ('a@example.com');")

  const engine = createPostgresEngine()
  const db = postgresLocation(cluster.url('shop'))
  const copy = await engine.copy(db, {
    strategy: 'dump',
    location: path.join(dir, 'db-stage-1.dump'),
  })

  // Stage 2 adds a migration.
  fs.appendFileSync(
    path.join(dir, 'schema.ts'),
    "export const orders = pgTable('orders', { id: serial('id').primaryKey(), note: text('note') })\n",
  )
  drizzleKit(dir, 'generate', '--name', 'orders')
  drizzleKit(dir, 'migrate')

  const journal = JSON.parse(fs.readFileSync(path.join(dir, 'drizzle/meta/_journal.json'), 'utf8'))
  const expected = journal.entries.map((e: { tag: string; when: number }) => ({
    hash: createHash('sha256')
      .update(fs.readFileSync(path.join(dir, 'drizzle', `${e.tag}.sql`)))
      .digest('hex'),
    created_at: e.when,
  }))
  expect(expected).toHaveLength(2)
  const sql = 'SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at'
  expect(await engine.query(db, sql)).toEqual(expected)
  expect(await engine.rowCounts(db)).toEqual({
    'drizzle.__drizzle_migrations': 2,
    orders: 0,
    users: 1,
  })

  await engine.stage(db, copy, 'shop__cpo_new_1')
  await engine.swap(db, 'shop__cpo_new_1', 'shop__cpo_before_1')
  expect(await engine.query(db, sql)).toEqual(expected.slice(0, 1))
  expect(await engine.rowCounts(db)).toEqual({ 'drizzle.__drizzle_migrations': 1, users: 1 })
  // drizzle-kit agrees: migrating again applies the second migration, on the restored database.
  drizzleKit(dir, 'migrate')
  expect(await engine.query(db, sql)).toEqual(expected)
})
