// PostgreSQL bench: the rows through the cpo CLI against the raw pg_dump / pg_restore
// recipe, in the same run, on a throwaway cluster.
//
//   npm run build && node bench/db-postgres.mjs [--mb 1024] [--runs 3] [--dir DIR] [--fresh]
//                                               [--rows dump,template,restore,stage]
//
// The fixture is built once and reused: a cluster in DIR (default /tmp/cpo-bench-pg-<mb>mb,
// initdb + pg_ctl on a free port, as the `postgres` user when root) holding a database `fixture`
// of md5-text rows (they compress ~2.5x, unlike pgbench's 50x, so compression costs show). Each
// run resets `app` from it with a template copy (seconds, not a reload) and starts a fresh CPO
// project; the cluster is stopped at the end and its data kept (`--fresh` rebuilds it).
//
// Every pair alternates which side goes first, with a CHECKPOINT before each side (so neither
// pays the other's dirty pages), median of --runs. Wall time and CPU time are both printed:
// CPU is user+sys of this process tree (the CLI, pg_dump, pg_restore…) plus the server's
// processes (the backends doing the copy), bench/db-cputime.mjs; on a shared machine CPU is the
// fairer ratio.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { measure, median } from './db-cputime.mjs'

const argOf = (name, def) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : def
}
const MB = Number(argOf('--mb', 1024))
// --rows: which rows to run (restore needs dump's checkpoint d0 and raw dump, so it runs dump too).
const ROWS = new Set(argOf('--rows', 'dump,template,restore,stage').split(','))
if (ROWS.has('restore')) ROWS.add('dump')
const RUNS = Number(argOf('--runs', 3))
const HOME = path.resolve(argOf('--dir', path.join(os.tmpdir(), `cpo-bench-pg-${MB}mb`)))
// --cli: a copy of a build (bin/ and dist/), so rebuilding the checkout does not change a run.
const CLI = path.resolve(argOf('--cli', path.join(import.meta.dirname, '../bin/cpo.js')))
// --cli-b: a second build (e.g. the one before a change) run as a third side of the dump and
// restore rows, in the same loop: two builds compared against the same raw samples.
const CLI_B = argOf('--cli-b') ? path.resolve(argOf('--cli-b')) : undefined
const versions = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
const BIN = `/usr/lib/postgresql/${versions[0]}/bin`
const asRoot = process.getuid?.() === 0
const asServer = (cmd, args) =>
  asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]

function run(cmd, args, env, cwd = os.tmpdir()) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: env ?? process.env,
    cwd,
    maxBuffer: 1 << 26,
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}${r.stdout}`)
  return r.stdout
}

const data = path.join(HOME, 'data')
const sock = path.join(HOME, 'sock')
const ready = path.join(HOME, 'ready')
if (process.argv.includes('--fresh') || !fs.existsSync(ready))
  fs.rmSync(HOME, { recursive: true, force: true })
const building = !fs.existsSync(HOME)
if (building) {
  fs.mkdirSync(sock, { recursive: true })
  fs.chmodSync(HOME, 0o755)
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', HOME])
  run(
    ...asServer(path.join(BIN, 'initdb'), [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
    ]),
  )
}
const out = path.join(HOME, 'out')
const project = path.join(HOME, 'project')
for (const d of [out, project]) {
  fs.rmSync(d, { recursive: true, force: true })
  fs.mkdirSync(d)
}

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address()
    s.close(() => resolve(port))
  })
})
const stop = () => {
  const [c, a] = asServer(path.join(BIN, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'])
  spawnSync(c, a, { stdio: 'ignore', cwd: os.tmpdir() })
  fs.rmSync(out, { recursive: true, force: true })
  fs.rmSync(project, { recursive: true, force: true })
}
process.on('exit', stop)
process.on('SIGINT', () => process.exit(130))
process.on('SIGTERM', () => process.exit(143))

const opts = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1`
run(
  ...asServer(path.join(BIN, 'pg_ctl'), [
    '-D',
    data,
    '-o',
    opts,
    '-l',
    path.join(HOME, 'log'),
    '-w',
    'start',
  ]),
)
const env = { ...process.env, PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }
const psql = (db, sql) =>
  run(
    path.join(BIN, 'psql'),
    ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql],
    env,
  )

// ~173 bytes a row on disk (tuple, header, primary key index). A fixture with fewer rows (an
// older, smaller estimate) gets the rest added: the same rows as a fresh build.
const rows = Math.round((MB * 1024 * 1024) / 173)
if (building) psql('postgres', 'CREATE DATABASE fixture')
if (building)
  psql('fixture', 'CREATE TABLE items (id bigint PRIMARY KEY, a text, b text, n double precision)')
const have = Number(psql('fixture', 'SELECT coalesce(max(id), 0) FROM items').trim())
if (have < rows) {
  process.stderr.write(
    `building a ${MB} MB fixture database in ${HOME} (rows ${have + 1}…${rows})…\n`,
  )
  psql(
    'fixture',
    `INSERT INTO items SELECT g, md5(g::text), md5((g * 7)::text) || md5((g * 13)::text), random() FROM generate_series(${have + 1}, ${rows}) g;`,
  )
  psql('fixture', 'VACUUM ANALYZE items')
  psql('fixture', 'CHECKPOINT')
}
fs.writeFileSync(ready, `${MB}\n`)
if (process.argv.includes('--build-only')) process.exit(0)
// Reset: every database but the fixture goes, `app` comes back as a copy of it.
for (const name of psql(
  'postgres',
  "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1', 'fixture')",
)
  .trim()
  .split('\n')
  .filter(Boolean))
  psql('postgres', `DROP DATABASE "${name}" WITH (FORCE)`)
psql('postgres', 'CREATE DATABASE app TEMPLATE fixture STRATEGY FILE_COPY')
const size = Number(psql('postgres', "SELECT pg_database_size('app')").trim())
process.stderr.write(`database app: ${(size / 1048576).toFixed(0)} MB\n`)

// A CPO project whose DATABASE_URL is app.
const git = (...args) => run('git', ['-C', project, ...args])
git('init', '-q', '-b', 'main')
git('config', 'user.email', 'bench@example.com')
git('config', 'user.name', 'Bench')
fs.writeFileSync(
  path.join(project, 'master-project.json'),
  `${JSON.stringify({ project: { name: 'bench', status: 'in_progress' }, stages: [{ id: 'S1', name: 'One', status: 'pending', dependsOn: [], stories: [] }], currentStage: null, currentPhase: 3 }, null, 2)}\n`,
)
git('add', '-A')
git('commit', '-q', '-m', 'initial')
const cliEnv = { ...process.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/app` }
const cpoWith = (cli, ...args) =>
  JSON.parse(run(process.execPath, [cli, '-C', project, ...args, '--json'], cliEnv, project))
const cpo = (...args) => cpoWith(CLI, ...args)

const pgDump = (file, ...args) =>
  run(
    path.join(BIN, 'pg_dump'),
    ['-Fc', ...args, '--no-owner', '--no-privileges', '-d', 'app', '-f', file],
    env,
  )
const pgRestoreFresh = (name, file) => {
  run(path.join(BIN, 'createdb'), ['-T', 'template0', name], env)
  run(
    path.join(BIN, 'pg_restore'),
    ['--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', '-d', name, file],
    env,
  )
}
const side = async (fn) => {
  psql('postgres', 'CHECKPOINT')
  return measure(fn, data)
}
/**
 * Runs the pair `runs` times, alternating which goes first (with --cli-b, the three sides in
 * turn); returns every side's samples. `cpoSide(i, cli)` runs the given build.
 */
async function pair(cpoSide, rawSide, after = () => {}) {
  const c = []
  const r = []
  const b = []
  const turns = CLI_B
    ? [
        [() => c, (i) => cpoSide(i, CLI)],
        [() => r, (i) => rawSide(i)],
        [() => b, (i) => cpoSide(i, CLI_B)],
      ]
    : [
        [() => c, (i) => cpoSide(i, CLI)],
        [() => r, (i) => rawSide(i)],
      ]
  for (let i = 0; i < RUNS; i++) {
    const n = turns.length
    const order = CLI_B
      ? turns.map((_, k) => turns[(k + i) % n])
      : i % 2 === 0
        ? turns
        : [...turns].reverse()
    for (const [samples, fn] of order) samples().push(await side(() => fn(i)))
    await after(i)
  }
  return { c, r, b }
}
const results = []
const row = (name, target, c, r) => {
  const m = (xs, k) => (xs ? median(xs.map((x) => x[k])) : undefined)
  results.push({
    name,
    target,
    wall: m(c, 'wall'),
    cpu: m(c, 'cpu'),
    rawWall: m(r, 'wall'),
    rawCpu: m(r, 'cpu'),
    samples: [c, r],
  })
  process.stderr.write(`${name}: done\n`)
}

// Autovacuum on by default; the restore row turns it off (below) and a run cut short leaves it
// off in this throwaway cluster, so every run starts from the default.
psql('postgres', 'ALTER SYSTEM RESET autovacuum')
psql('postgres', 'SELECT pg_reload_conf()')

// 1. `cpo db checkpoint --strategy dump` vs pg_dump -Fc -Z1
const dumpSizes = {}
if (ROWS.has('dump')) {
  const { c, r, b } = await pair(
    (i, cli) =>
      cpoWith(cli, 'db', 'checkpoint', `${cli === CLI ? 'd' : 'b'}${i}`, '--strategy', 'dump'),
    (i) => pgDump(path.join(out, `raw-z1-${i}.dump`), '-Z1'),
    (i) => {
      dumpSizes.z1 = fs.statSync(path.join(out, `raw-z1-${i}.dump`)).size
      if (i > 0) fs.rmSync(path.join(out, `raw-z1-${i}.dump`))
    },
  )
  row('`cpo db checkpoint --strategy dump` / `pg_dump -Fc -Z1`', '≤ 1.05×', c, r)
  if (CLI_B) row('… the same with --cli-b', '≤ 1.05×', b, r)
}
// 2. `cpo db checkpoint --strategy template` vs pg_dump -Fc (default level)
if (ROWS.has('template')) {
  const { c, r } = await pair(
    (i) => cpo('db', 'checkpoint', `t${i}`, '--strategy', 'template'),
    (i) => pgDump(path.join(out, `raw-default-${i}.dump`)),
    (i) => {
      dumpSizes.default = fs.statSync(path.join(out, `raw-default-${i}.dump`)).size
      fs.rmSync(path.join(out, `raw-default-${i}.dump`))
    },
  )
  row('`cpo db checkpoint --strategy template` / `pg_dump -Fc` (default level)', '≤ 0.1×', c, r)
}
// 3. `cpo db restore` of the dump checkpoint vs createdb -T template0 + pg_restore; each restore
// is undone (timed: a swap back) and the restored copy dropped.
//
// Autovacuum is off for this row. A freshly restored 1 GB table is vacuumed and analyzed by an
// autovacuum worker some time after pg_restore returns (naptime 1 min): ~1–2 s of server CPU that
// lands in whichever side's window is open then, or is cut short when the database is renamed or
// dropped ("terminating autovacuum process due to administrator command" in the server log). Both
// recipes leave the same fresh table behind, so that later vacuum is owed alike by both; with it
// off, each window holds only its own recipe's work.
if (ROWS.has('restore')) {
  psql('postgres', 'ALTER SYSTEM SET autovacuum = off')
  psql('postgres', 'SELECT pg_reload_conf()')
  const undo = []
  // Each restore is undone right after its window (by the same build), so the next side finds
  // the database as it was; the undo of the --cli build is timed as a row of its own.
  const undone = async (cli) => {
    const u = await side(() => cpoWith(cli, 'undo'))
    if (cli === CLI) undo.push(u)
    for (const name of psql(
      'postgres',
      "SELECT datname FROM pg_database WHERE datname LIKE 'app__cpo_undone%'",
    )
      .trim()
      .split('\n')
      .filter(Boolean))
      psql('postgres', `DROP DATABASE "${name}"`)
  }
  const pending = []
  const { c, r, b } = await pair(
    async (_i, cli) => {
      cpoWith(cli, 'db', 'restore', 'd0')
      pending.push(cli)
    },
    (i) => pgRestoreFresh(`raw${i}`, path.join(out, 'raw-z1-0.dump')),
    async (i) => {
      psql('postgres', `DROP DATABASE raw${i}`)
      while (pending.length > 0) await undone(pending.pop())
    },
  )
  row('`cpo db restore` (dump) / `createdb` + `pg_restore` into a fresh database', '≤ 1.1×', c, r)
  if (CLI_B) row('… the same with --cli-b', '≤ 1.1×', b, r)
  row('`cpo undo` of a database restore (a swap back)', '< 1 s', undo)
  psql('postgres', 'ALTER SYSTEM RESET autovacuum')
  psql('postgres', 'SELECT pg_reload_conf()')
}
// 4. `cpo stage start` with the database, template strategy (auto: local, nobody connected).
if (ROWS.has('stage')) {
  let started
  const s = await side(() => {
    started = cpo('stage', 'start', 'S1')
  })
  if (started?.data?.db?.strategy !== 'template')
    throw new Error(
      `stage start did not take a template copy: ${JSON.stringify(started?.data?.db)}`,
    )
  row('`cpo stage start` with the local database, template strategy', '< 5 s', [s])
}
const cpoDump = fs
  .readdirSync(path.join(project, '.checkpoints'))
  .find((f) => /^db-.*d0.*\.dump$/.test(f))
if (cpoDump) dumpSizes.cpo = fs.statSync(path.join(project, '.checkpoints', cpoDump)).size

const s = (ms) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`)
const x = (a, b) => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : '—')
const mbOf = (b) => (b ? `${(b / 1048576).toFixed(0)} MB` : '?')
console.log(
  `\nPostgreSQL ${versions[0]}, ${os.cpus().length} cores, database ${mbOf(size)}, median of ${RUNS}; dumps: -Z1 ${mbOf(dumpSizes.z1)}, cpo ${mbOf(dumpSizes.cpo)}, default level ${mbOf(dumpSizes.default)}; load average at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}\n`,
)
console.log('| row | cpo wall | raw wall | wall ratio | cpo CPU | raw CPU | CPU ratio | target |')
console.log('|---|---|---|---|---|---|---|---|')
for (const r of results) {
  console.log(
    `| ${r.name} | ${s(r.wall)} | ${s(r.rawWall)} | ${x(r.wall, r.rawWall)} | ${s(r.cpu)} | ${s(r.rawCpu)} | ${x(r.cpu, r.rawCpu)} | ${r.target} |`,
  )
}
console.log('\nEvery sample, CPU s (cpo | raw):')
for (const r of results) {
  const list = (xs) => (xs ?? []).map((x) => (x.cpu / 1000).toFixed(2)).join(' ')
  console.log(`- ${r.name}: ${list(r.samples[0])} | ${list(r.samples[1])}`)
}
