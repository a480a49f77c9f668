// CPU time and peak RSS of `cpo snapshot` against the temp-index recipe (`git add -A` +
// `write-tree` on a copy of the index), for one or more builds interleaved, on bench/scale.mjs's
// two snapshot shapes: `100k` (bench/repo.mjs at 100,000 files, 3 files modified) and
// `untracked` (20,000 files plus 5,000 untracked files in 50 directories). CPU is user +
// system of the process tree and RSS the largest resident set of any one process in it, both
// from `/usr/bin/time`; the recipe's RSS is the larger of its two git processes.
//
//   node bench/snapshot-cpu.mjs [--runs N] [--part 100k|untracked] <build bin/cpo.js>...

import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { benchEnv, buildRepo, git, prng } from './repo.mjs'

const argv = process.argv.slice(2)
let runs = 5
let part = '100k'
while (argv[0]?.startsWith('--')) {
  const flag = argv.shift()
  if (flag === '--runs') runs = Number(argv.shift())
  else if (flag === '--part') part = argv.shift()
}
const builds = argv.map((b) => path.resolve(b))
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cpo-snapshot-cpu-'))
const out = path.join(tmp, 'time.txt')
const env = benchEnv()
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** CPU ms and peak RSS (KB) of one command. */
function measure(cmd, args, cwd, extra = {}) {
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%U %S %M', cmd, ...args], {
    cwd,
    env: { ...env, ...extra },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`)
  const [user, sys, rss] = readFileSync(out, 'utf8').trim().split('\n').at(-1).split(' ')
  return { ms: (Number(user) + Number(sys)) * 1000, rss: Number(rss) }
}

const root = path.join(tmp, 'repo')
const tracked = buildRepo(root, part === '100k' ? 100000 : 20000)
if (part === 'untracked') {
  const rand = prng(0x5000)
  for (let i = 0; i < 5000; i++) {
    const dir = path.join(root, 'generated', `batch-${String(i % 50).padStart(2, '0')}`)
    if (i < 50) mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, `out-${i}.txt`), `generated ${i} ${rand()}\n`.repeat(8))
  }
} else {
  for (const rel of tracked.slice(0, 3)) writeFileSync(path.join(root, rel), `changed ${rel}\n`)
}
sleep(1100)
git(root, ['update-index', '-q', '--refresh'])

const sides = builds.map((cli) => ({ cli, ms: [], rss: [] }))
const recipe = { ms: [], rss: [] }
const scratch = path.join(tmp, 'index')
for (let i = 0; i <= runs; i++) {
  for (const s of sides) {
    const m = measure('node', [s.cli, 'snapshot', '--json', '-C', root], root)
    if (i > 0) s.ms.push(m.ms)
    if (i > 0) s.rss.push(m.rss)
  }
  copyFileSync(path.join(root, '.git', 'index'), scratch)
  const add = measure('git', ['add', '-A'], root, { GIT_INDEX_FILE: scratch })
  const tree = measure('git', ['write-tree'], root, { GIT_INDEX_FILE: scratch })
  rmSync(scratch, { force: true })
  if (i > 0) recipe.ms.push(add.ms + tree.ms)
  if (i > 0) recipe.rss.push(Math.max(add.rss, tree.rss))
}
const base = median(recipe.ms)
const baseRss = median(recipe.rss)
process.stdout.write(
  `${part}: 1 + ${runs} runs, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, ` +
    `NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}\n` +
    `recipe: CPU median ${base.toFixed(0)} ms, peak RSS ${(baseRss / 1024).toFixed(0)} MB\n`,
)
for (const s of sides) {
  const m = median(s.ms)
  const r = median(s.rss)
  process.stdout.write(
    `${s.cli}: CPU ${m.toFixed(0)} ms ${(m / base).toFixed(2)}×, peak RSS ${(r / 1024).toFixed(0)} MB ${(r / baseRss).toFixed(2)}×\n`,
  )
}
rmSync(tmp, { recursive: true, force: true })
