// SQLite checkpoint bench: `cpo db checkpoint` (a page copy inside a read transaction, set to
// journal_mode=delete and quick_checked in the same sqlite3 process, fsync, rename, schema and
// migrations sidecars) against a bare `sqlite3 db "VACUUM INTO …"`, in the same run, alternating
// which goes first; then what the safety steps cost alone on the same copy (quick_check, and the
// sha256 read that checkpoints no longer do).
//
//   npm run build && node bench/db-sqlite.mjs [--mb 1024] [--runs 3] [--dir DIR] [--fresh]
//                                             [--cli bin/cpo.js] [--cli-b other/bin/cpo.js]
//
// The database is built once and reused: DIR/fixture.db (default /tmp/cpo-bench-sqlite-<mb>mb,
// random hex rows in WAL mode); each run copies it into a fresh project as app.db. Wall and
// CPU time (user+sys of this process tree: the CLI and every sqlite3 it runs) are both printed.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { measure, median } from './db-cputime.mjs'

const argOf = (name, def) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : def
}
const MB = Number(argOf('--mb', 1024))
const RUNS = Number(argOf('--runs', 3))
const HOME = path.resolve(argOf('--dir', path.join(os.tmpdir(), `cpo-bench-sqlite-${MB}mb`)))
// --cli: a copy of a build (bin/ and dist/), so rebuilding the checkout does not change a run.
const CLI = path.resolve(argOf('--cli', path.join(import.meta.dirname, '../bin/cpo.js')))
// --cli-b: a second build (e.g. the one before a change) run as a third side in the same loop.
const CLI_B = argOf('--cli-b') ? path.resolve(argOf('--cli-b')) : undefined
const fixture = path.join(HOME, 'fixture.db')
const ready = path.join(HOME, 'ready')
if (process.argv.includes('--fresh') || !fs.existsSync(ready))
  fs.rmSync(HOME, { recursive: true, force: true })
fs.mkdirSync(HOME, { recursive: true })
const dir = path.join(HOME, 'project')
fs.rmSync(dir, { recursive: true, force: true })
fs.mkdirSync(dir)
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
process.on('SIGINT', () => process.exit(130))
process.on('SIGTERM', () => process.exit(143))

const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' })
const sqlite = (...args) =>
  execFileSync('sqlite3', ['-batch', ...args], { cwd: dir, stdio: 'pipe' })

git('init', '-q', '-b', 'main')
git('config', 'user.email', 'bench@example.com')
git('config', 'user.name', 'Bench')
fs.writeFileSync(path.join(dir, '.gitignore'), '*.db\n*.db-*\n')
fs.writeFileSync(path.join(dir, 'README.md'), '# bench\n')
git('add', '-A')
git('commit', '-q', '-m', 'initial')

if (!fs.existsSync(ready)) {
  // ~200 bytes a row of random hex (incompressible, as application data mostly is).
  const rows = Math.round((MB * 1024 * 1024) / 200)
  process.stderr.write(`building a ${MB} MB SQLite database in ${fixture} (${rows} rows)…\n`)
  execFileSync(
    'sqlite3',
    [
      '-batch',
      fixture,
      `PRAGMA journal_mode = WAL;
CREATE TABLE items (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL);
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${rows})
INSERT INTO items (a, b) SELECT hex(randomblob(16)), hex(randomblob(64)) FROM g;
CREATE INDEX items_a ON items (a);
PRAGMA wal_checkpoint(TRUNCATE);`,
    ],
    { stdio: 'pipe' },
  )
  fs.writeFileSync(ready, `${MB}\n`)
}
fs.copyFileSync(fixture, path.join(dir, 'app.db'))
const size = fs.statSync(path.join(dir, 'app.db')).size
const env = { ...process.env, DATABASE_URL: 'file:./app.db' }

const raw = []
const cpo = []
const cpoB = []
for (let i = 0; i < RUNS; i++) {
  const vacuum = () => {
    const out = path.join(dir, `raw-${i}.sqlite`)
    sqlite('app.db', `VACUUM INTO '${out}'`)
  }
  const checkpoint = (cli = CLI, name = `c${i}`) => {
    const r = spawnSync(process.execPath, [cli, 'db', 'checkpoint', name, '--json'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    })
    if (r.status !== 0) throw new Error(`cpo db checkpoint failed: ${r.stdout}${r.stderr}`)
  }
  // Alternate the order so neither side always runs on a warm page cache (with --cli-b, the
  // three sides in turn).
  const turns = [
    [cpo, () => checkpoint()],
    [raw, vacuum],
    ...(CLI_B ? [[cpoB, () => checkpoint(CLI_B, `b${i}`)]] : []),
  ]
  const order = CLI_B
    ? turns.map((_, k) => turns[(k + i) % turns.length])
    : i % 2 === 0
      ? [turns[1], turns[0]]
      : turns
  for (const [samples, fn] of order) samples.push(await measure(fn))
  fs.rmSync(path.join(dir, '.checkpoints', `db-b${i}.sqlite`), { force: true })
  if (i < RUNS - 1) fs.rmSync(path.join(dir, `raw-${i}.sqlite`))
  fs.rmSync(path.join(dir, '.checkpoints', `db-c${i}.sqlite`), { force: true })
}
// The safety steps alone, on the last raw copy: what each adds to a bare VACUUM INTO.
const copy = path.join(dir, `raw-${RUNS - 1}.sqlite`)
const check = []
const hash = []
for (let i = 0; i < RUNS; i++) {
  check.push(await measure(() => sqlite(copy, 'PRAGMA quick_check')))
  // As cpo reads it: streamed in 1 MiB chunks.
  hash.push(
    await measure(async () => {
      const h = createHash('sha256')
      for await (const chunk of fs.createReadStream(copy, { highWaterMark: 1 << 20 }))
        h.update(chunk)
      return h.digest('hex')
    }),
  )
}
const m = (xs, k) => median(xs.map((x) => x[k]))
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`
console.log(
  `\nSQLite ${execFileSync('sqlite3', ['--version'], { encoding: 'utf8' }).split(' ')[0]}, ${os.cpus().length} cores, database ${(size / 1048576).toFixed(0)} MB, median of ${RUNS}\n`,
)
console.log('| row | cpo wall | raw wall | wall ratio | cpo CPU | raw CPU | CPU ratio | target |')
console.log('|---|---|---|---|---|---|---|---|')
console.log(
  `| \`cpo db checkpoint\` SQLite / \`sqlite3 … "VACUUM INTO"\` | ${sec(m(cpo, 'wall'))} | ${sec(m(raw, 'wall'))} | ${(m(cpo, 'wall') / m(raw, 'wall')).toFixed(2)}× | ${sec(m(cpo, 'cpu'))} | ${sec(m(raw, 'cpu'))} | ${(m(cpo, 'cpu') / m(raw, 'cpu')).toFixed(2)}× | ≤ 1.1× |`,
)
if (CLI_B)
  console.log(
    `| … the same with --cli-b | ${sec(m(cpoB, 'wall'))} | ${sec(m(raw, 'wall'))} | ${(m(cpoB, 'wall') / m(raw, 'wall')).toFixed(2)}× | ${sec(m(cpoB, 'cpu'))} | ${sec(m(raw, 'cpu'))} | ${(m(cpoB, 'cpu') / m(raw, 'cpu')).toFixed(2)}× | ≤ 1.1× |`,
  )
for (const [name, xs] of [
  ['`PRAGMA quick_check` of the copy alone', check],
  ['sha256 of the copy alone (1 MiB reads, page cache)', hash],
]) {
  console.log(
    `| ${name} | ${sec(m(xs, 'wall'))} | — | ${(m(xs, 'wall') / m(raw, 'wall')).toFixed(2)}× of VACUUM INTO | ${sec(m(xs, 'cpu'))} | — | ${(m(xs, 'cpu') / m(raw, 'cpu')).toFixed(2)}× | — |`,
  )
}
const list = (xs) => xs.map((x) => (x.cpu / 1000).toFixed(2)).join(' ')
console.log(
  `\nEvery sample, CPU s: cpo ${list(cpo)} | raw ${list(raw)}${CLI_B ? ` | --cli-b ${list(cpoB)}` : ''}; load average at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}`,
)
