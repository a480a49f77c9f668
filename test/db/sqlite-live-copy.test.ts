import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo } from '../helpers/repo.js'

// `cpo db checkpoint` of a SQLite database that another process writes to while the copy runs:
// the copy is a page copy inside a read transaction (ARCHITECTURE.md, "Databases"), so it must
// finish however often the writer commits, and hold exactly one committed state.

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')
const ROWS = 6000
/** ~One row a page: the copy takes many backup steps, each a chance for a torn or restarted copy. */
const PAD = 3000

/** Transaction k moves one unit from row from(k) to row to(k) and logs k. */
const from = (k: number) => ((k * 7919) % ROWS) + 1
const to = (k: number) => ((k * 104729 + 13) % ROWS) + 1

/** The balances after transactions 1…k, as the writer commits them. */
function balancesAfter(k: number): number[] {
  const bal = new Array<number>(ROWS + 1).fill(100)
  for (let j = 1; j <= k; j++) {
    bal[from(j)] = (bal[from(j)] ?? 0) - 1
    bal[to(j)] = (bal[to(j)] ?? 0) + 1
  }
  return bal.slice(1)
}

const WRITER = `
const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))})
const db = new Database(process.argv[1])
db.pragma('busy_timeout = 60000')
db.pragma('synchronous = OFF')
const ROWS = ${ROWS}
const from = (k) => ((k * 7919) % ROWS) + 1
const to = (k) => ((k * 104729 + 13) % ROWS) + 1
const move = db.prepare('UPDATE acct SET bal = bal + ? WHERE id = ?')
const log = db.prepare('INSERT INTO txlog (k) VALUES (?)')
const tx = db.transaction((k) => { move.run(-1, from(k)); move.run(1, to(k)); log.run(k) })
let k = db.prepare('SELECT coalesce(max(k), 0) AS k FROM txlog').get().k
for (;;) tx(++k)
`

let writer: ChildProcess | undefined
afterEach(async () => {
  if (writer && writer.exitCode === null) {
    const gone = new Promise((resolve) => writer?.once('exit', resolve))
    writer.kill('SIGKILL')
    await gone
  }
  writer = undefined
})

function project(mode: 'wal' | 'delete'): { dir: string; file: string } {
  const dir = makeRepo({ 'README.md': '# shop\n', '.gitignore': '*.db\n*.db-*\n' })
  const file = path.join(dir, 'app.db')
  const db = new Database(file)
  db.pragma(`journal_mode = ${mode}`)
  db.exec(
    'CREATE TABLE acct (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL, pad BLOB NOT NULL); CREATE TABLE txlog (k INTEGER PRIMARY KEY);',
  )
  const insert = db.prepare('INSERT INTO acct (id, bal, pad) VALUES (?, 100, randomblob(?))')
  db.transaction(() => {
    for (let i = 1; i <= ROWS; i++) insert.run(i, PAD)
  })()
  db.close()
  return { dir, file }
}

const committed = (file: string): number => {
  const db = new Database(file, { readonly: true, timeout: 60_000 })
  try {
    return (db.prepare('SELECT coalesce(max(k), 0) AS k FROM txlog').get() as { k: number }).k
  } finally {
    db.close()
  }
}

function checkpoint(dir: string, name: string) {
  const r = spawnSync(process.execPath, [CLI, 'db', 'checkpoint', name, '--json'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CPO_FAULT: '', DATABASE_URL: 'file:./app.db' },
    // A copy that restarts on every commit would never end: fail instead of hanging.
    timeout: 150_000,
  })
  expect(r.signal, `cpo db checkpoint did not finish: ${r.stderr}`).toBeNull()
  const json = JSON.parse(r.stdout)
  expect(json.ok, r.stdout + r.stderr).toBe(true)
  return json.data.result.meta as { location: string; bytes: number; sha256?: string }
}

/** What the copy holds, read with its own connection: one committed state, and which one. */
function readCopy(file: string) {
  const bytes = fs.readFileSync(file)
  const db = new Database(file, { readonly: true })
  try {
    const k = (db.prepare('SELECT coalesce(max(k), 0) AS k, count(*) AS n FROM txlog').get() ??
      {}) as { k: number; n: number }
    const bal = (db.prepare('SELECT bal FROM acct ORDER BY id').all() as { bal: number }[]).map(
      (r) => r.bal,
    )
    return {
      k: k.k,
      logged: k.n,
      bal,
      mode: db.pragma('journal_mode', { simple: true }),
      check: db.pragma('quick_check', { simple: true }),
      // File format bytes 18 and 19: 1 = rollback journal, 2 = WAL.
      format: [bytes[18], bytes[19]],
    }
  } finally {
    db.close()
  }
}

async function startWriter(file: string): Promise<void> {
  writer = spawn(process.execPath, ['-e', WRITER, file], { stdio: ['ignore', 'ignore', 'pipe'] })
  // Wait until it commits, so the checkpoint runs beside a writer that is really going.
  const start = committed(file)
  for (let i = 0; i < 600 && committed(file) < start + 200; i++)
    await new Promise((r) => setTimeout(r, 50))
  expect(committed(file)).toBeGreaterThanOrEqual(start + 200)
}

describe('a SQLite checkpoint beside a writer that commits in a loop', () => {
  for (const mode of ['wal', 'delete'] as const) {
    it(`journal_mode=${mode}: the command finishes and the copy holds exactly one committed state`, async () => {
      const { dir, file } = project(mode)
      await startWriter(file)
      const before = committed(file)
      const meta = checkpoint(dir, 'busy')
      const after = committed(file)
      expect(writer?.exitCode, 'the writer kept running').toBeNull()

      const copy = path.join(dir, meta.location)
      const got = readCopy(copy)
      // A state the writer committed while the command ran: transactions 1…k, all of them.
      expect(got.k).toBeGreaterThanOrEqual(before)
      expect(got.k).toBeLessThanOrEqual(after)
      expect(got.logged).toBe(got.k)
      expect(got.bal).toEqual(balancesAfter(got.k))
      expect(got.check).toBe('ok')
      // A checkpoint file that needs nothing beside it.
      expect(got.mode).toBe('delete')
      expect(got.format).toEqual([1, 1])
      const beside = fs
        .readdirSync(path.dirname(copy))
        .filter((n) => n.startsWith(path.basename(copy)))
      expect(beside).toEqual([path.basename(copy)])
      expect(meta.bytes).toBe(fs.statSync(copy).size)
      // The live database goes on: the writer committed after the copy, and its mode is its own.
      expect(after).toBeGreaterThan(before)
      const live = new Database(file, { readonly: true, timeout: 60_000 })
      expect(live.pragma('journal_mode', { simple: true })).toBe(mode)
      live.close()
    })
  }

  it('a transaction another connection holds open is not in the copy, and it commits after', () => {
    const { dir, file } = project('wal')
    const other = new Database(file)
    try {
      other.exec('BEGIN IMMEDIATE')
      other.prepare('INSERT INTO txlog (k) VALUES (?)').run(999_999)
      other.prepare('UPDATE acct SET bal = 0').run()
      const meta = checkpoint(dir, 'open-tx')
      const got = readCopy(path.join(dir, meta.location))
      expect(got.k).toBe(0)
      expect(got.bal).toEqual(balancesAfter(0))
      other.exec('COMMIT')
    } finally {
      other.close()
    }
    expect(committed(file)).toBe(999_999)
  })
})
