// A/B CPU comparison of one cpo command between two builds, for a loaded machine where wall time
// is mostly waiting for a core: each repetition runs the command with every build in turn
// (interleaved) under `/usr/bin/time`, which reports the user + system CPU time of the whole
// process tree (node and every git process it waited for). Prints median wall and CPU per build.
//
//   node bench/cpu.mjs [--runs N] [--setup '<shell>'] <repo> <build bin/cpo.js>... -- <cpo args>
//
// `--setup` runs (untimed, in the repo) before each timed command, e.g. to undo what it did.
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { benchEnv } from './repo.mjs'

const argv = process.argv.slice(2)
let runs = 7
let setup = null
while (argv[0]?.startsWith('--')) {
  const flag = argv.shift()
  if (flag === '--runs') runs = Number(argv.shift())
  else if (flag === '--setup') setup = argv.shift()
  else if (flag === '--') break
}
const split = argv.indexOf('--')
if (split < 2) {
  process.stderr.write(
    'usage: node bench/cpu.mjs [--runs N] [--setup cmd] <repo> <bin/cpo.js>... -- <args>\n',
  )
  process.exit(2)
}
const [repo, ...builds] = argv.slice(0, split)
const args = argv.slice(split + 1)
const out = path.join(os.tmpdir(), `cpo-cpu-${process.pid}.txt`)
const samples = new Map(builds.map((b) => [b, { wall: [], cpu: [] }]))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

for (let i = 0; i < runs; i++) {
  for (const build of builds) {
    if (setup) spawnSync('sh', ['-c', setup], { cwd: repo, env: benchEnv(), stdio: 'ignore' })
    const r = spawnSync(
      '/usr/bin/time',
      ['-o', out, '-f', '%e %U %S', 'node', build, ...args, '-C', repo],
      { env: benchEnv(), encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
    )
    if (r.status !== 0) throw new Error(`${build} ${args.join(' ')} failed:\n${r.stderr}`)
    const [wall, user, sys] = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .at(-1)
      .split(' ')
      .map(Number)
    samples.get(build).wall.push(wall * 1000)
    samples.get(build).cpu.push((user + sys) * 1000)
  }
}
rmSync(out, { force: true })
for (const [build, s] of samples) {
  process.stdout.write(
    `${build}: wall median ${median(s.wall).toFixed(0)} ms, CPU (user+sys, process tree) median ${median(s.cpu).toFixed(0)} ms, min ${Math.min(...s.cpu).toFixed(0)} ms\n`,
  )
}
