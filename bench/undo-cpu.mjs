// CPU time of `cpo snapshot restore` and `cpo undo` of that restore against `git stash push -u` +
// `git stash pop`, bench/run.mjs's repository and change, for one or more builds interleaved in
// one loop. Each build (and the recipe) gets its own copy of the repository, built the same
// way (bench/repo.mjs is deterministic), so no build reads another's snapshots. CPU is user +
// system of the whole process tree from `/usr/bin/time`; prints medians and ratios.
//
//   node bench/undo-cpu.mjs [--runs N] [--files N] <build bin/cpo.js>...
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { benchEnv, buildRepo, dirtyTree, git, smallChange } from './repo.mjs'

const argv = process.argv.slice(2)
let runs = 7
let files = 20000
while (argv[0]?.startsWith('--')) {
  const flag = argv.shift()
  if (flag === '--runs') runs = Number(argv.shift())
  else if (flag === '--files') files = Number(argv.shift())
}
const builds = argv.map((b) => path.resolve(b))
if (builds.length === 0) {
  process.stderr.write('usage: node bench/undo-cpu.mjs [--runs N] [--files N] <bin/cpo.js>...\n')
  process.exit(2)
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cpo-undo-cpu-'))
const out = path.join(tmp, 'time.txt')
const env = benchEnv()
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** CPU ms (user + sys of the process tree) of one command, and its stdout. */
function cpu(cmd, args, cwd) {
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%U %S', cmd, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`)
  const [user, sys] = readFileSync(out, 'utf8').trim().split('\n').at(-1).split(' ').map(Number)
  return { ms: (user + sys) * 1000, stdout: r.stdout }
}

function prepare(name, cli) {
  const root = path.join(tmp, name)
  const tracked = buildRepo(root, files)
  sleep(1100)
  git(root, ['update-index', '-q', '--refresh'])
  const dirty = dirtyTree(root, tracked)
  let snapshot
  if (cli) {
    const a = spawnSync('node', [cli, 'snapshot', '-m', 'bench A', '--json', '-C', root], {
      env,
      encoding: 'utf8',
    })
    snapshot = JSON.parse(a.stdout).data.snapshot.id
  }
  smallChange(root, tracked, dirty.touched)
  return { root, snapshot }
}

try {
  const sides = builds.map((cli, i) => ({ cli, ...prepare(`b${i}`, cli), restore: [], undo: [] }))
  const stash = { ...prepare('stash'), ms: [] }
  const status = (root) => git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])
  const stateB = status(stash.root)
  for (let i = 0; i <= runs; i++) {
    for (const s of sides) {
      const r = cpu('node', [s.cli, 'snapshot', 'restore', s.snapshot, '--json', '-C', s.root])
      const op = JSON.parse(r.stdout).data.opId
      const u = cpu('node', [s.cli, 'undo', op, '--json', '-C', s.root])
      if (status(s.root) !== stateB) throw new Error(`${s.cli}: undo did not bring back state B`)
      if (i > 0) s.restore.push(r.ms)
      if (i > 0) s.undo.push(u.ms)
    }
    const push = cpu('git', ['stash', 'push', '-u', '-q'], stash.root)
    const pop = cpu('git', ['stash', 'pop', '-q'], stash.root)
    if (i > 0) stash.ms.push(push.ms + pop.ms)
  }
  const base = median(stash.ms)
  process.stdout.write(
    `${files} files, 1 + ${runs} runs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ` +
      `NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}\n` +
      `git stash push -u + pop: CPU median ${base.toFixed(0)} ms\n`,
  )
  for (const s of sides) {
    const r = median(s.restore)
    const u = median(s.undo)
    process.stdout.write(
      `${s.cli}: restore ${r.toFixed(0)} ms ${(r / base).toFixed(2)}×, undo ${u.toFixed(0)} ms ${(u / base).toFixed(2)}×\n`,
    )
  }
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
