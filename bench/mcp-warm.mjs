// Tool calls on one resident `cpo mcp` process, the way an agent that keeps the server running
// calls cpo: no node start-up, no module loading after the first call. Prints each call's time
// from request written to answer parsed, and the median.
//
//   node bench/mcp-warm.mjs <repo> <tool> '<arguments as JSON>' [runs]
//
// e.g. node bench/mcp-warm.mjs /tmp/list checkpoint_list '{}' 11
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/cpo.js')
const [repo, tool, argsJson = '{}', runs = '9'] = process.argv.slice(2)
if (!repo || !tool) {
  process.stderr.write("usage: node bench/mcp-warm.mjs <repo> <tool> '<json>' [runs]\n")
  process.exit(2)
}
const child = spawn(process.execPath, [CLI, 'mcp', '-C', repo], {
  stdio: ['pipe', 'pipe', 'inherit'],
})
const waiting = new Map()
let pending = ''
child.stdout.on('data', (chunk) => {
  pending += chunk
  for (let eol = pending.indexOf('\n'); eol !== -1; eol = pending.indexOf('\n')) {
    const message = JSON.parse(pending.slice(0, eol))
    pending = pending.slice(eol + 1)
    waiting.get(message.id)?.(message)
  }
})
let next = 0
const request = (method, params) =>
  new Promise((resolve) => {
    const id = ++next
    waiting.set(id, resolve)
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`)
  })

await request('initialize', {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'bench', version: '1' },
})
child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`)
const ms = []
for (let i = 0; i < Number(runs); i++) {
  const t = process.hrtime.bigint()
  const answer = await request('tools/call', { name: tool, arguments: JSON.parse(argsJson) })
  ms.push(Number(process.hrtime.bigint() - t) / 1e6)
  if (answer.error || answer.result?.isError) {
    process.stderr.write(`${JSON.stringify(answer).slice(0, 2000)}\n`)
    child.kill()
    process.exit(1)
  }
}
const sorted = [...ms].sort((a, b) => a - b)
const median = sorted[Math.floor(sorted.length / 2)]
console.log(`${tool}: ${ms.map((x) => x.toFixed(0)).join(' ')} ms; median ${median.toFixed(1)} ms`)
child.kill()
