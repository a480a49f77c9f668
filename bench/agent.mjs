// Cold start of `cpo mcp` to its first response (initialize answered), and `cpo status`, each
// a fresh process, median of several runs. Usage: node scripts/build.mjs && node bench/agent.mjs
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/cpo.js')
const RUNS = 9
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const dir = mkdtempSync(path.join(os.tmpdir(), 'cpo-bench-agent-'))
const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' })
git('init', '-q', '-b', 'main')
git('config', 'user.email', 'b@example.com')
git('config', 'user.name', 'B')
writeFileSync(
  path.join(dir, 'master-project.json'),
  `${JSON.stringify({ project: { name: 'b' }, stages: [{ id: 'S1', status: 'pending' }], currentPhase: 3 })}\n`,
)
git('add', '-A')
git('commit', '-qm', 'initial')

const initialize = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'bench', version: '1' },
  },
})}\n`

function mcpFirstResponse() {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, [CLI, 'mcp', '-C', dir], {
      stdio: ['pipe', 'pipe', 'ignore'],
    })
    child.stdout.once('data', () => {
      resolve(Number(process.hrtime.bigint() - start) / 1e6)
      child.stdin.end()
    })
    child.on('error', reject)
    child.stdin.write(initialize)
  })
}

function status() {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [CLI, 'status', '--json'], { cwd: dir, stdio: 'ignore' })
  if (r.status !== 0) throw new Error(`cpo status exited ${r.status}`)
  return Number(process.hrtime.bigint() - start) / 1e6
}

function bare() {
  const start = process.hrtime.bigint()
  spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' })
  return Number(process.hrtime.bigint() - start) / 1e6
}

try {
  const mcp = []
  const st = []
  const node = []
  for (let i = 0; i < RUNS; i++) {
    mcp.push(await mcpFirstResponse())
    st.push(status())
    node.push(bare())
  }
  // The ratio to bare node, measured in the same runs, is what compares across loaded machines.
  const base = median(node)
  const row = (name, xs, target) =>
    `${name.padEnd(32)} ${median(xs).toFixed(0).padStart(5)} ms  ${(median(xs) / base).toFixed(2).padStart(5)}x node  (target < ${target} ms)`
  console.log(`node ${process.version}, ${os.cpus().length} cores, median of ${RUNS}`)
  console.log(row('node -e "" (baseline)', node, '-'))
  console.log(row('cpo mcp: spawn → initialize', mcp, 300))
  console.log(row('cpo status --json', st, 150))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
