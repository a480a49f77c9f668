import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { commitAll, cpo, keep, makeRepo, writeFiles } from '../helpers/repo.js'

const MODULES = path.resolve(import.meta.dirname, '../../node_modules')

/** A CPO project with a real Drizzle + SQLite setup (drizzle-kit generates and applies). */
export const PROJECT = {
  project: { name: 'shop', status: 'in_progress' },
  productDefinition: { techStack: { database: 'SQLite', orm: 'Drizzle' } },
  stages: [
    { id: 'S1', name: 'Users', status: 'pending', dependsOn: [], stories: [] },
    { id: 'S2', name: 'Posts', status: 'pending', dependsOn: ['S1'], stories: [] },
  ],
  currentStage: null,
  currentPhase: 3,
}

export const USERS = `import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
export const users = sqliteTable('users', { id: integer('id').primaryKey(), name: text('name').notNull() })
`
export const POSTS = `${USERS}export const posts = sqliteTable('posts', { id: integer('id').primaryKey(), title: text('title').notNull() })
`

export function drizzle(dir: string, ...args: string[]): void {
  execFileSync(path.join(MODULES, '.bin', 'drizzle-kit'), args, {
    cwd: dir,
    stdio: 'pipe',
    env: { ...process.env, DATABASE_URL: 'file:./dev.db' },
  })
}

export function sql(dir: string, text: string, file = 'dev.db'): string {
  return execFileSync('sqlite3', ['-batch', path.join(dir, file), text], { encoding: 'utf8' })
}

/** Everything in the database as text: schema and rows (`.dump`). */
export const dump = (dir: string, file = 'dev.db'): string => sql(dir, '.dump', file)

/**
 * Stage 1 started (database checkpoint stage-1-start holds `users` with two rows and the first
 * migration); then stage 2's migration adds `posts`, applied for real, with rows, committed.
 * Built once per test file (drizzle-kit takes seconds), kept, copied by each test.
 */
export function buildDrizzleProject(): { dir: string; atStart: string } {
  const dir = keep(
    makeRepo({
      '.gitignore': 'node_modules\n*.db\n*.db-*\n',
      'master-project.json': `${JSON.stringify(PROJECT, null, 2)}\n`,
      '.env': 'DATABASE_URL=file:./dev.db\n',
      'drizzle.config.ts': `import { defineConfig } from 'drizzle-kit'
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL! },
})
`,
      'src/schema.ts': USERS,
    }),
  )
  fs.symlinkSync(MODULES, path.join(dir, 'node_modules'))
  drizzle(dir, 'generate', '--name', 'users')
  drizzle(dir, 'migrate')
  sql(dir, "INSERT INTO users(name) VALUES ('ada'), ('grace');")
  commitAll(dir, 'feat(S1-US-001): users')
  const started = cpo(dir, ['stage', 'start', 'S1', '--json'])
  if (!started.json.ok) throw new Error(`stage start failed: ${started.stdout}${started.stderr}`)
  const atStart = dump(dir)
  writeFiles(dir, { 'src/schema.ts': POSTS })
  drizzle(dir, 'generate', '--name', 'posts')
  drizzle(dir, 'migrate')
  sql(dir, "INSERT INTO posts(title) VALUES ('hello'); INSERT INTO users(name) VALUES ('linus');")
  commitAll(dir, 'feat(S1-US-002): posts')
  return { dir, atStart }
}
