// SQLite checkpoint bench: `cpo db checkpoint` (VACUUM INTO a temp file, quick_check, fsync,
// rename, schema and migrations sidecars) against a bare `sqlite3 db "VACUUM INTO …"`, in the
// same run, alternating which goes first, on a project whose database is ~200 MB.
//
//   npm run build && node bench/db-sqlite.mjs [--mb 200] [--runs 3]
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const arg = (name, def) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}
const MB = arg('--mb', 200)
const RUNS = arg('--runs', 3)
const CLI = path.resolve(import.meta.dirname, '../bin/cpo.js')
const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cpo-bench-sqlite-')))
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
process.on('SIGINT', () => process.exit(130))

const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' })
const sqlite = (...args) =>
  execFileSync('sqlite3', ['-batch', ...args], { cwd: dir, stdio: 'pipe' })
const ms = (fn) => {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

git('init', '-q', '-b', 'main')
git('config', 'user.email', 'bench@example.com')
git('config', 'user.name', 'Bench')
fs.writeFileSync(path.join(dir, '.gitignore'), '*.db\n*.db-*\n')
fs.writeFileSync(path.join(dir, 'README.md'), '# bench\n')
git('add', '-A')
git('commit', '-q', '-m', 'initial')

// ~200 bytes a row of random hex (incompressible, as application data mostly is).
const rows = Math.round((MB * 1024 * 1024) / 200)
process.stderr.write(`building a ${MB} MB SQLite database (${rows} rows)…\n`)
sqlite(
  'app.db',
  `PRAGMA journal_mode = WAL;
CREATE TABLE items (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL);
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${rows})
INSERT INTO items (a, b) SELECT hex(randomblob(16)), hex(randomblob(64)) FROM g;
CREATE INDEX items_a ON items (a);`,
)
const size = fs.statSync(path.join(dir, 'app.db')).size
const env = { ...process.env, DATABASE_URL: 'file:./app.db' }

const raw = []
const cpo = []
for (let i = 0; i < RUNS; i++) {
  const vacuum = () => {
    const out = path.join(dir, `raw-${i}.sqlite`)
    sqlite('app.db', `VACUUM INTO '${out}'`)
  }
  const checkpoint = () => {
    const r = spawnSync(process.execPath, [CLI, 'db', 'checkpoint', `c${i}`, '--json'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    })
    if (r.status !== 0) throw new Error(`cpo db checkpoint failed: ${r.stdout}${r.stderr}`)
  }
  // Alternate the order so neither side always runs on a warm page cache.
  if (i % 2 === 0) {
    raw.push(ms(vacuum))
    cpo.push(ms(checkpoint))
  } else {
    cpo.push(ms(checkpoint))
    raw.push(ms(vacuum))
  }
  fs.rmSync(path.join(dir, `raw-${i}.sqlite`))
}
const a = median(cpo)
const b = median(raw)
console.log(
  `\nSQLite ${execFileSync('sqlite3', ['--version'], { encoding: 'utf8' }).split(' ')[0]}, ${os.cpus().length} cores, database ${(size / 1048576).toFixed(0)} MB, median of ${RUNS}\n`,
)
console.log('| row | cpo | baseline | ratio | target |')
console.log('|---|---|---|---|---|')
console.log(
  `| \`cpo db checkpoint\` SQLite / \`sqlite3 … "VACUUM INTO"\` | ${(a / 1000).toFixed(2)} s | ${(b / 1000).toFixed(2)} s | ${(a / b).toFixed(2)}× | ≤ 1.1× |`,
)
