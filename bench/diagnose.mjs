// cpo diagnose runs its checks side by side: on a project with four verification commands of
// known length (sleeps), the whole diagnose must take at most 1.2x the slowest single check.
// Usage: node scripts/build.mjs && node bench/diagnose.mjs
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const CLI = path.resolve(import.meta.dirname, '../bin/cpo.js')
const CHECKS = { typecheck: 'sleep 1.0', lint: 'sleep 1.2', test: 'sleep 1.5', build: 'sleep 2.0' }
const RUNS = 3

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpo-bench-diagnose-'))
const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' })
try {
  git('init', '-q', '-b', 'main')
  git('config', 'user.email', 'bench@example.com')
  git('config', 'user.name', 'Bench')
  const project = {
    project: { name: 'bench', status: 'in_progress' },
    stages: [{ id: 'S1', name: 'One', status: 'pending', stories: [] }],
    currentStage: null,
    verification: CHECKS,
  }
  fs.writeFileSync(path.join(dir, 'master-project.json'), `${JSON.stringify(project, null, 2)}\n`)
  git('add', '-A')
  git('commit', '-q', '-m', 'initial')

  const time = (cmd, args) => {
    const t = process.hrtime.bigint()
    const r = spawnSync(cmd, args, {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    })
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
    return { ms: Number(process.hrtime.bigint() - t) / 1e6, out: r.stdout }
  }
  const slowest = Object.values(CHECKS).sort().at(-1)
  const single = []
  const whole = []
  for (let i = 0; i < RUNS; i++) {
    single.push(time('sh', ['-c', slowest]).ms)
    const d = time(process.execPath, [CLI, 'diagnose', '--json'])
    const checks = JSON.parse(d.out).data.checks.filter((c) => c.kind === 'verification')
    if (checks.length !== 4 || checks.some((c) => c.status !== 'pass'))
      throw new Error('checks did not all pass')
    whole.push(d.ms)
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const ratio = median(whole) / median(single)
  console.log(
    JSON.stringify(
      {
        checks: CHECKS,
        slowestSingleMs: Math.round(median(single)),
        diagnoseMs: Math.round(median(whole)),
        sumOfChecksMs: 5700,
        ratio: Number(ratio.toFixed(3)),
        budget: 1.2,
        ok: ratio <= 1.2,
      },
      null,
      2,
    ),
  )
  if (ratio > 1.2) process.exitCode = 1
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
