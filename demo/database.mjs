// The demo's database act: an embedded SQLite database (the `sqlite3` CLI, no server) with
// migrations in Drizzle's layout (`drizzle/NNNN_name.sql` + `meta/_journal.json`, applied and
// recorded in `__drizzle_migrations` exactly as `drizzle-kit migrate` records them). Stage 2's
// migration arrives, then leaves again with `cpo rollback stage 2 --with-db`; undo brings it back.

import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

const MIGRATIONS = {
  '0000_users': 'CREATE TABLE `users` (`id` integer PRIMARY KEY NOT NULL, `name` text NOT NULL);',
  '0001_invoices':
    'CREATE TABLE `invoices` (`id` integer PRIMARY KEY NOT NULL, `user_id` integer NOT NULL REFERENCES `users`(`id`), `cents` integer NOT NULL);',
}

/** A small project of its own beside the main one: two stages, the second adds a migration. */
export function databaseRollback({ base, cli, say }) {
  const dir = path.join(base, 'ledgerly-db')
  fs.mkdirSync(dir)
  const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim()
  const write = (file, content) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.writeFileSync(path.join(dir, file), content)
  }
  const sql = (text) =>
    execFileSync('sqlite3', ['-batch', path.join(dir, 'dev.db'), text], { encoding: 'utf8' })
  const journal = []
  /** What `drizzle-kit migrate` does: run the file, record its sha256 and journal time. */
  const migrate = (tag) => {
    const when = 1_700_000_000_000 + journal.length * 1000
    journal.push({ idx: journal.length, version: '6', when, tag, breakpoints: true })
    write(`drizzle/${tag}.sql`, `${MIGRATIONS[tag]}\n`)
    write(
      'drizzle/meta/_journal.json',
      `${JSON.stringify({ version: '7', dialect: 'sqlite', entries: journal }, null, 2)}\n`,
    )
    const hash = createHash('sha256')
      .update(fs.readFileSync(path.join(dir, `drizzle/${tag}.sql`)))
      .digest('hex')
    sql(
      `CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric);
${MIGRATIONS[tag]}
INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('${hash}', ${when});`,
    )
  }
  const cpo = (args) => {
    process.stdout.write(`\n  $ cpo ${args.join(' ')}\n`)
    const r = spawnSync(process.execPath, [cli, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CPO_FAULT: '' },
    })
    const shown = `${r.stdout}${r.stderr}`.trimEnd()
    if (shown) process.stdout.write(`${shown.replace(/^/gm, '    ')}\n`)
    assert.equal(r.status, 0, `cpo ${args.join(' ')} exit code`)
    return r
  }
  const tables = () =>
    sql("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;").trim().split('\n')
  const showTables = (when) => {
    const list = tables().map((t) => `${t} (${sql(`SELECT count(*) FROM "${t}";`).trim()} rows)`)
    process.stdout.write(`\n  tables ${when}: ${list.join(', ')}\n`)
  }

  say(
    'a database: its migration arrives in stage 2',
    `A second project, ${dir}, with an embedded SQLite database (dev.db, ignored by git) and\nmigrations in Drizzle's layout. stage start copies the database beside the checkpoint.`,
  )
  git('init', '-q', '-b', 'main')
  git('config', 'user.email', 'agent@example.com')
  git('config', 'user.name', 'CPO Agent')
  write('.gitignore', 'dev.db\ndev.db-*\n')
  write('.env', 'DATABASE_URL=file:./dev.db\n')
  write(
    'drizzle.config.ts',
    "import { defineConfig } from 'drizzle-kit'\nexport default defineConfig({ dialect: 'sqlite', schema: './src/schema.ts', out: './drizzle', dbCredentials: { url: process.env.DATABASE_URL! } })\n",
  )
  write(
    'master-project.json',
    `${JSON.stringify(
      {
        project: { name: 'Ledgerly DB', status: 'in_progress' },
        productDefinition: { techStack: { database: 'SQLite', orm: 'Drizzle' } },
        stages: [
          { id: 'S1', name: 'Users', status: 'tested', dependsOn: [], stories: [] },
          { id: 'S2', name: 'Invoices', status: 'pending', dependsOn: ['S1'], stories: [] },
        ],
        currentStage: null,
        currentPhase: 3,
      },
      null,
      2,
    )}\n`,
  )
  migrate('0000_users')
  sql("INSERT INTO users (name) VALUES ('ada'), ('grace');")
  git('add', '-A')
  git('commit', '-q', '-m', 'feat(S1-US-001): users')
  cpo(['stage', 'start', 'S2'])
  showTables('at the start of stage 2')
  process.stdout.write(
    '\n  (agent) adds the invoices migration, applies it, writes rows, commits\n',
  )
  migrate('0001_invoices')
  sql('INSERT INTO invoices (user_id, cents) VALUES (1, 1200), (2, 900);')
  git('add', '-A')
  git('commit', '-q', '-m', 'feat(S2-US-001): invoices')
  showTables('after stage 2')
  cpo(['db', 'status'])
  assert.deepEqual(tables(), ['__drizzle_migrations', 'invoices', 'users'])

  say(
    'roll back stage 2 with its database',
    '--with-db restores the database copy taken at stage start in the same journaled operation:\nthe migration leaves with the code, and the migrations table agrees.',
  )
  cpo(['rollback', 'stage', '2', '--with-db', '--reason', 'invoices were modelled wrong'])
  showTables('after the rollback')
  assert.deepEqual(tables(), ['__drizzle_migrations', 'users'])
  assert.equal(sql('SELECT count(*) FROM __drizzle_migrations;').trim(), '1')
  assert.equal(fs.existsSync(path.join(dir, 'drizzle/0001_invoices.sql')), false)
  cpo(['db', 'status'])

  say('undo brings code and database back', 'The live database was kept: undo is a swap back.')
  cpo(['undo'])
  showTables('after undo')
  assert.deepEqual(tables(), ['__drizzle_migrations', 'invoices', 'users'])
  assert.equal(sql('SELECT sum(cents) FROM invoices;').trim(), '2100')
}
