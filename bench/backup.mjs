// Backup benchmark: `cpo backup create` / `verify` against the raw recipe for the same content
// (`git bundle create --all` + `tar czf` of bundle and state files; `tar tzf` + `git bundle
// verify`), in the same run, on the synthetic repository of bench/repo.mjs; then peak memory at
// two repository sizes. Run alone (`node bench/backup.mjs`) or from bench/run.mjs. Writes
// bench/results-backup.md. No timing is asserted; a failing command fails the bench.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  CPO,
  intEnv,
  machineInfo,
  machineLines,
  markdownTable,
  publish,
  requireBuild,
  resultsTable,
  run,
  runPart,
  stats,
  timed,
} from './measure.mjs'
import { benchEnv, buildRepo, git } from './repo.mjs'

const TIME = '/usr/bin/time'
const STATE = ['master-project.json', 'cpo-progress.md', '.checkpoints']

const log = (s) => process.stderr.write(`${s}\n`)
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1)

/** What the repo lacks for a backup: a checkpoint tag, cpo-progress.md and .checkpoints/. */
function addCpoState(root) {
  writeFileSync(path.join(root, 'cpo-progress.md'), '# progress\n- stage 3 done\n')
  const cp = path.join(root, '.checkpoints', 'stage-3')
  mkdirSync(cp, { recursive: true })
  writeFileSync(path.join(cp, 'state.json'), '{"stage":"S3"}\n')
  writeFileSync(path.join(cp, 'db.dump'), randomBytes(2 * 1024 * 1024))
  writeFileSync(path.join(root, '.git', 'info', 'exclude'), '/.checkpoints/\n/cpo-progress.md\n')
  git(root, ['tag', '-a', 'checkpoint/stage-3', '-m', '{"stage":"S3"}'])
}

/** Grows the repository by `mb` MiB of incompressible committed data (the archive grows too). */
function addBulk(root, mb) {
  const dir = path.join(root, 'assets', 'bulk')
  mkdirSync(dir, { recursive: true })
  for (let i = 0; i < mb / 16; i++)
    writeFileSync(path.join(dir, `b${i}.bin`), randomBytes(16 << 20))
  git(root, ['add', '-A'])
  git(root, ['commit', '-q', '-m', `bulk ${mb} MiB`])
}

/**
 * Peak RSS in KiB of one command: `self` is the node process alone (process.resourceUsage() at
 * exit, through a preload), `tree` is what /usr/bin/time reports: the largest single process
 * among it and its children (git pack-objects, zstd …).
 */
function peak(cmd, args, opts, scratch) {
  const out = path.join(scratch, `rss-${randomBytes(4).toString('hex')}`)
  const preload = path.join(scratch, 'rss-preload.mjs')
  if (!existsSync(preload)) {
    writeFileSync(
      preload,
      "import { writeFileSync } from 'node:fs'\nprocess.on('exit', () => { if (process.env.RSS_OUT) writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS)) })\n",
    )
  }
  const env = { ...opts.env, RSS_OUT: out, NODE_OPTIONS: `--import=${pathToFileURL(preload)}` }
  const useTime = existsSync(TIME)
  const r = spawnSync(useTime ? TIME : cmd, useTime ? ['-f', '%M', cmd, ...args] : args, {
    cwd: opts.cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  const tree = useTime ? Number(r.stderr.trim().split('\n').at(-1)) : undefined
  const self = existsSync(out) ? Number(readFileSync(out, 'utf8')) : undefined
  return { self, tree, stdout: r.stdout }
}

/** Times create and verify against the raw recipe; returns stats plus sizes. */
function measureTimes(root, scratch, runs, warmup) {
  const opts = { cwd: root, env: benchEnv() }
  const store = path.join(scratch, 'store')
  const raw = path.join(scratch, 'raw')
  const verifyRepo = path.join(scratch, 'verify.git')
  run('git', ['init', '-q', '--bare', verifyRepo], opts)
  const samples = { create: [], gzip: [], recipe: [], verify: [], check: [] }
  let sizes
  for (let i = 0; i < warmup + runs; i++) {
    rmSync(store, { recursive: true, force: true })
    rmSync(raw, { recursive: true, force: true })
    mkdirSync(raw)
    const create = timed(
      [['node', [CPO, 'backup', 'create', '--store', store, '--json', '-C', root]]],
      opts,
    )
    const made = JSON.parse(create.outputs[0]).data
    const gzip = timed(
      [
        [
          'node',
          [
            CPO,
            'backup',
            'create',
            '--store',
            store,
            '--compression',
            'gzip',
            '--json',
            '-C',
            root,
          ],
        ],
      ],
      opts,
    )
    const bundle = path.join(raw, 'repo.bundle')
    const tarball = path.join(raw, 'backup.tar.gz')
    // The same content cpo archives: the bundle of every ref plus the state files.
    const recipe = timed(
      [
        ['git', ['bundle', 'create', '-q', bundle, '--all']],
        ['tar', ['czf', tarball, '-C', raw, 'repo.bundle', '-C', root, ...STATE]],
      ],
      opts,
    )
    const verify = timed(
      [['node', [CPO, 'backup', 'verify', made.id, '--store', store, '--json', '-C', root]]],
      opts,
    )
    if (!JSON.parse(verify.outputs[0]).data.ok) throw new Error('cpo backup verify failed')
    const check = timed(
      [
        ['tar', ['tzf', tarball]],
        ['git', ['-C', verifyRepo, 'bundle', 'verify', '-q', bundle]],
      ],
      opts,
    )
    sizes = {
      zstd: made.archive.size,
      gzip: JSON.parse(gzip.outputs[0]).data.archive.size,
      tar: statSync(tarball).size,
      bundle: statSync(bundle).size,
    }
    if (i < warmup) continue
    samples.create.push(create.ms)
    samples.gzip.push(gzip.ms)
    samples.recipe.push(recipe.ms)
    samples.verify.push(verify.ms)
    samples.check.push(check.ms)
  }
  rmSync(store, { recursive: true, force: true })
  rmSync(raw, { recursive: true, force: true })
  const out = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]))
  log(
    `  create ${out.create.median.toFixed(0)} ms (gzip ${out.gzip.median.toFixed(0)}), recipe ` +
      `${out.recipe.median.toFixed(0)} ms; verify ${out.verify.median.toFixed(0)} ms, ` +
      `tar tzf + bundle verify ${out.check.median.toFixed(0)} ms`,
  )
  return { ...out, sizes }
}

/** Peak memory of create and verify (one run each) and of the raw recipe's processes. */
function measureMemory(root, scratch) {
  const opts = { cwd: root, env: benchEnv() }
  const store = path.join(scratch, 'mem-store')
  rmSync(store, { recursive: true, force: true })
  const create = peak(
    'node',
    [CPO, 'backup', 'create', '--store', store, '--json', '-C', root],
    opts,
    scratch,
  )
  const id = JSON.parse(create.stdout).data.id
  const size = JSON.parse(create.stdout).data.archive.size
  const verify = peak(
    'node',
    [CPO, 'backup', 'verify', id, '--store', store, '--json', '-C', root],
    opts,
    scratch,
  )
  const bundle = path.join(scratch, 'mem.bundle')
  const gitBundle = peak('git', ['bundle', 'create', '-q', bundle, '--all'], opts, scratch)
  rmSync(bundle, { force: true })
  rmSync(store, { recursive: true, force: true })
  return { create, verify, gitBundle, size }
}

export function backupBench() {
  requireBuild()
  const FILES = intEnv('CPO_BENCH_FILES', 20000, 10)
  const RUNS = intEnv('CPO_BENCH_BACKUP_RUNS', 3, 1)
  const WARMUP = intEnv('CPO_BENCH_WARMUP', 1, 0)
  const BULK = intEnv('CPO_BENCH_BACKUP_BULK_MB', 256, 16)
  const began = Date.now()
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cpo-bench-backup-'))
  const cleanup = () => rmSync(tmp, { recursive: true, force: true })
  const onSignal = () => {
    cleanup()
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const root = path.join(tmp, 'repo')
    log(`backup bench: building a synthetic repository of ${FILES} files in ${root}`)
    buildRepo(root, FILES)
    addCpoState(root)
    log(`repository ready; timing create and verify (${WARMUP}+${RUNS} runs)`)
    const small = measureTimes(root, tmp, RUNS, WARMUP)
    const memSmall = measureMemory(root, tmp)
    log(`growing the repository by ${BULK} MiB of incompressible files`)
    addBulk(root, BULK)
    const big = measureTimes(root, tmp, 1, 0)
    const memBig = measureMemory(root, tmp)

    const rows = [
      {
        op: '`cpo backup create` (zstd)',
        cpo: small.create,
        baseline: '`git bundle create --all` + `tar czf`',
        base: small.recipe,
        target: '≤ 1×',
        check: (_, ratio) => ratio <= 1,
      },
      {
        op: '`cpo backup create --compression gzip` (info)',
        cpo: small.gzip,
        baseline: '`git bundle create --all` + `tar czf`',
        base: small.recipe,
        target: '—',
      },
      {
        op: '`cpo backup verify`',
        cpo: small.verify,
        baseline: '`tar tzf` + `git bundle verify`',
        base: small.check,
        target: '—',
      },
      {
        op: `\`cpo backup create\`, +${BULK} MiB (1 run)`,
        cpo: big.create,
        baseline: '`git bundle create --all` + `tar czf`',
        base: big.recipe,
        target: '≤ 1×',
        check: (_, ratio) => ratio <= 1,
      },
      {
        op: `\`cpo backup verify\`, +${BULK} MiB (1 run)`,
        cpo: big.verify,
        baseline: '`tar tzf` + `git bundle verify`',
        base: big.check,
        target: '—',
      },
    ]
    const kib = (v) => (v === undefined ? '—' : (v / 1024).toFixed(1))
    const memRow = (label, m, sizes) => [
      label,
      `${mib(sizes.bundle)} / ${mib(m.size)}`,
      kib(m.create.self),
      kib(m.create.tree),
      kib(m.verify.self),
      kib(m.verify.tree),
      kib(m.gitBundle.tree),
    ]
    const memory = markdownTable(
      [
        'repository',
        'bundle / archive MiB',
        'create: node MiB',
        'create: largest process MiB',
        'verify: node MiB',
        'verify: largest process MiB',
        '`git bundle create` MiB',
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      [
        memRow(`${FILES} files`, memSmall, small.sizes),
        memRow(`${FILES} files + ${BULK} MiB`, memBig, big.sizes),
      ],
    )
    const totalS = ((Date.now() - began) / 1000).toFixed(1)
    const machine = machineLines(machineInfo(), [
      `repository: bench/repo.mjs with ${FILES} files and 4 commits, plus a checkpoint tag, ` +
        'cpo-progress.md and .checkpoints/ (2 MiB dump); then the same grown by ' +
        `${BULK} MiB of random committed files`,
      `archives: zstd ${mib(small.sizes.zstd)} MiB, gzip ${mib(small.sizes.gzip)} MiB, ` +
        `tar czf ${mib(small.sizes.tar)} MiB (bundle ${mib(small.sizes.bundle)} MiB); ` +
        `${WARMUP} warm-up + ${RUNS} timed run(s), cpo and recipe interleaved; whole bench ${totalS} s`,
    ])
    const doc = [
      `## cpo backup benchmark — ${new Date().toISOString()}`,
      '',
      machine,
      '',
      resultsTable(rows),
      '',
      'Peak resident memory (one run each):',
      '',
      memory,
      '',
      '"node" is the cpo process alone (`process.resourceUsage().maxRSS`); "largest process" is',
      "`/usr/bin/time -f %M`: the biggest single process of the tree (git's pack-objects, zstd …).",
      'See bench/README.md.',
      '',
    ].join('\n')
    publish(doc, 'results-backup.md')
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    cleanup()
  }
}

/** The entry point for bench/run.mjs and the command line; CPO_BENCH_BACKUP=0 skips it. */
export const runBackupBench = () => runPart('backup', 'CPO_BENCH_BACKUP', backupBench)

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runBackupBench()
