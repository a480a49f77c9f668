// Optional breakdown (CPO_BENCH_PROFILE=1): runs a command once with GIT_TRACE2_EVENT and lists
// every git process it started with that process's own elapsed time, so the share of the total
// spent in git (and in which call) is visible.
import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { timed } from './measure.mjs'

export function profile(label, commands, { cwd, env, scratch }) {
  const file = path.join(scratch, `trace2-${Date.now()}.jsonl`)
  rmSync(file, { force: true })
  const { ms } = timed(commands, { cwd, env: { ...env, GIT_TRACE2_EVENT: file } })
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    // no git process at all
  }
  rmSync(file, { force: true })
  const procs = new Map()
  for (const line of text.split('\n')) {
    if (!line) continue
    let ev
    try {
      ev = JSON.parse(line)
    } catch {
      continue
    }
    if (ev.sid.includes('/')) continue // a git process started by git itself: counted in its parent
    const p = procs.get(ev.sid) ?? { argv: [], ms: 0, start: '' }
    if (ev.event === 'start') {
      p.argv = ev.argv.slice(1)
      p.start = ev.time
    }
    if (ev.event === 'exit') p.ms = ev.t_abs * 1000
    procs.set(ev.sid, p)
  }
  const list = [...procs.values()].sort((a, b) => a.start.localeCompare(b.start))
  const gitMs = list.reduce((s, p) => s + p.ms, 0)
  const lines = [
    `${label}: ${ms.toFixed(1)} ms wall, ${list.length} git process(es), ${gitMs.toFixed(1)} ms ` +
      'summed inside git (calls run in parallel overlap)',
    ...list.map((p) => `  ${p.ms.toFixed(1).padStart(8)} ms  git ${shorten(p.argv.join(' '))}`),
  ]
  return lines.join('\n')
}

const shorten = (s) => (s.length > 90 ? `${s.slice(0, 87)}...` : s)
