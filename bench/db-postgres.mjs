// PostgreSQL engine bench: cpo's copy, stage and swap against the raw pg_dump / pg_restore
// recipe, in the same run, on a throwaway cluster (initdb + pg_ctl on a free port, as the
// `postgres` user when root). The engine is called directly (bundled on the fly from src/).
//
//   npm run build && node bench/db-postgres.mjs [--mb 300]
//
// Then, re-measured with the fixed costs out of the way: template copy and default-level dump
// alternating which goes first, a CHECKPOINT before each side (so neither pays the other's
// dirty pages); stage from dump the same way; and `cpo stage start` through the CLI on a CPO
// project using the database (auto strategy: a template copy, nobody else connected).
//
// The data is md5 text (compresses ~2x, unlike pgbench's 50x), so compression costs show.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const MB = Number(process.argv[process.argv.indexOf('--mb') + 1] || 300)
const ROOT_DIR = path.resolve(import.meta.dirname, '..')
const versions = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
const BIN = `/usr/lib/postgresql/${versions[0]}/bin`
const asRoot = process.getuid?.() === 0
const asServer = (cmd, args) =>
  asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: env ?? process.env,
    cwd: os.tmpdir(),
    maxBuffer: 1 << 26,
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}
const time = async (fn) => {
  const t = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address()
    s.close(() => resolve(port))
  })
})
const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cpo-bench-pg-')))
fs.chmodSync(dir, 0o755)
const data = path.join(dir, 'data')
const sock = path.join(dir, 'sock')
fs.mkdirSync(sock)
if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir])
const out = path.join(dir, 'out')
fs.mkdirSync(out)

const stop = () => {
  const [c, a] = asServer(path.join(BIN, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'])
  spawnSync(c, a, { stdio: 'ignore', cwd: os.tmpdir() })
  fs.rmSync(dir, { recursive: true, force: true })
}
process.on('exit', stop)
process.on('SIGINT', () => process.exit(130))

try {
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
  const opts = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1`
  run(
    ...asServer(path.join(BIN, 'pg_ctl'), [
      '-D',
      data,
      '-o',
      opts,
      '-l',
      path.join(dir, 'log'),
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

  // ~225 bytes a row on disk (tuple, header, primary key index).
  const rows = Math.round((MB * 1024 * 1024) / 225)
  process.stderr.write(`building a ${MB} MB database (${rows} rows)…\n`)
  psql('postgres', 'CREATE DATABASE app')
  const loadMs = await time(() =>
    psql(
      'app',
      `CREATE TABLE items (id bigint PRIMARY KEY, a text, b text, n double precision);
INSERT INTO items SELECT g, md5(g::text), md5((g * 7)::text) || md5((g * 13)::text), random() FROM generate_series(1, ${rows}) g;
CHECKPOINT;`,
    ),
  )
  const size = Number(psql('postgres', "SELECT pg_database_size('app')").trim())
  process.stderr.write(
    `loaded in ${(loadMs / 1000).toFixed(1)} s: ${(size / 1048576).toFixed(0)} MB\n`,
  )

  const bundle = path.join(dir, 'engine.mjs')
  await build({
    entryPoints: [path.join(ROOT_DIR, 'src/adapters/db/postgres.ts')],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'warning',
  })
  const { createPostgresEngine, postgresLocation } = await import(pathToFileURL(bundle).href)
  const engine = createPostgresEngine()
  const db = postgresLocation(`postgres://postgres@127.0.0.1:${port}/app`)
  await engine.probe(db) // finds the tools once, as a cpo command does before its first copy

  const pgDump = (file, ...args) =>
    run(
      path.join(BIN, 'pg_dump'),
      ['-Fc', ...args, '--no-owner', '--no-privileges', '-d', 'app', '-f', file],
      env,
    )
  const results = []
  const row = (name, cpoMs, baseMs, target) => {
    results.push({ name, cpoMs, baseMs, ratio: baseMs ? cpoMs / baseMs : undefined, target })
  }

  // 1. dump copy vs pg_dump -Fc -Z1
  const rawZ1 = await time(() => pgDump(path.join(out, 'raw-z1.dump'), '-Z1'))
  const cpoDump = await time(() =>
    engine.copy(db, { strategy: 'dump', location: path.join(out, 'cpo.dump') }),
  )
  row('copy dump / pg_dump -Fc -Z1', cpoDump, rawZ1, '≤ 1.05×')

  // 2. template copy vs pg_dump -Fc (default level)
  const rawDefault = await time(() => pgDump(path.join(out, 'raw-default.dump')))
  const cpoTemplate = await time(() =>
    engine.copy(db, { strategy: 'template', location: 'app__cpo_cp' }),
  )
  row('copy template / pg_dump -Fc (default level)', cpoTemplate, rawDefault, '≤ 0.1×')

  // 3. stage from the dump vs createdb -T template0 + pg_restore into a fresh database
  const rawRestore = await time(() => {
    run(path.join(BIN, 'createdb'), ['-T', 'template0', 'rawrestore'], env)
    run(
      path.join(BIN, 'pg_restore'),
      [
        '--single-transaction',
        '--exit-on-error',
        '--no-owner',
        '--no-privileges',
        '-d',
        'rawrestore',
        path.join(out, 'raw-z1.dump'),
      ],
      env,
    )
  })
  const cpoStage = await time(() =>
    engine.stage(
      db,
      { strategy: 'dump', location: path.join(out, 'cpo.dump') },
      'app__cpo_new_op1',
    ),
  )
  row('stage from dump / createdb + pg_restore', cpoStage, rawRestore, '≤ 1.1×')

  // 4. swap in, then swap back (what undo of a restore does)
  const swapIn = await time(() => engine.swap(db, 'app__cpo_new_op1', 'app__cpo_before_op1'))
  const swapBack = await time(() => engine.swap(db, 'app__cpo_before_op1', 'app__cpo_undone_op1'))
  row('swap (restore)', swapIn, 0, '< 1 s')
  row('swap back (undo of a restore)', swapBack, 0, '< 1 s')

  // 5. Re-measured: alternating order, CHECKPOINT before each side, median of three.
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
  const checkpointed = async (fn) => {
    psql('postgres', 'CHECKPOINT')
    return time(fn)
  }
  const tpl = []
  const dflt = []
  const stg = []
  const rst = []
  for (let i = 0; i < 3; i++) {
    const t = () => engine.copy(db, { strategy: 'template', location: `app__cpo_alt${i}` })
    const d = () => pgDump(path.join(out, `alt-${i}.dump`))
    const sIn = () =>
      engine.stage(db, { strategy: 'dump', location: path.join(out, 'cpo.dump') }, `app__cpo_s${i}`)
    const rIn = () => {
      run(path.join(BIN, 'createdb'), ['-T', 'template0', `raw${i}`], env)
      run(
        path.join(BIN, 'pg_restore'),
        [
          '--single-transaction',
          '--exit-on-error',
          '--no-owner',
          '--no-privileges',
          '-d',
          `raw${i}`,
          path.join(out, 'raw-z1.dump'),
        ],
        env,
      )
    }
    if (i % 2 === 0) {
      tpl.push(await checkpointed(t))
      dflt.push(await checkpointed(d))
      stg.push(await checkpointed(sIn))
      rst.push(await checkpointed(rIn))
    } else {
      dflt.push(await checkpointed(d))
      tpl.push(await checkpointed(t))
      rst.push(await checkpointed(rIn))
      stg.push(await checkpointed(sIn))
    }
    fs.rmSync(path.join(out, `alt-${i}.dump`))
    psql('postgres', `DROP DATABASE app__cpo_alt${i}`)
    psql('postgres', `DROP DATABASE app__cpo_s${i}`)
    psql('postgres', `DROP DATABASE raw${i}`)
  }
  row(
    'copy template / pg_dump -Fc, alternating, CHECKPOINT first, median of 3',
    median(tpl),
    median(dflt),
    '≤ 0.1×',
  )
  row(
    'stage from dump / createdb + pg_restore, alternating, median of 3',
    median(stg),
    median(rst),
    '≤ 1.1×',
  )

  // 6. `cpo stage start` through the CLI, the database checkpointed as a template copy.
  const project = path.join(dir, 'project')
  fs.mkdirSync(project)
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
  let started
  const stageMs = await checkpointed(() => {
    started = JSON.parse(
      run(
        process.execPath,
        [path.join(ROOT_DIR, 'bin/cpo.js'), '-C', project, 'stage', 'start', 'S1', '--json'],
        cliEnv,
      ),
    )
  })
  if (started?.data?.db?.strategy !== 'template')
    throw new Error(
      `stage start did not take a template copy: ${JSON.stringify(started?.data?.db)}`,
    )
  row('`cpo stage start` with the local database (template strategy)', stageMs, 0, '< 5 s')

  const sizes = Object.fromEntries(
    ['raw-z1.dump', 'cpo.dump', 'raw-default.dump'].map((f) => [
      f,
      fs.statSync(path.join(out, f)).size,
    ]),
  )
  console.log(
    `\nPostgreSQL ${versions[0]}, ${os.cpus().length} cores, database ${(size / 1048576).toFixed(0)} MB; dumps: -Z1 ${(sizes['raw-z1.dump'] / 1048576).toFixed(0)} MB, cpo ${(sizes['cpo.dump'] / 1048576).toFixed(0)} MB, default ${(sizes['raw-default.dump'] / 1048576).toFixed(0)} MB\n`,
  )
  console.log('| row | cpo | baseline | ratio | target |')
  console.log('|---|---|---|---|---|')
  for (const r of results) {
    console.log(
      `| ${r.name} | ${(r.cpoMs / 1000).toFixed(2)} s | ${r.baseMs ? `${(r.baseMs / 1000).toFixed(2)} s` : '—'} | ${r.ratio ? `${r.ratio.toFixed(2)}×` : '—'} | ${r.target} |`,
    )
  }
} finally {
  stop()
}
