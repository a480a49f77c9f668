// Optional breakdown (CPO_BENCH_PROFILE=1): runs a command once with GIT_TRACE2_EVENT and lists
// every git process it started: when it started (ms after the command was spawned) and how long it
// ran by its own clock, so the share of the total spent in git, and in which call, is visible.
import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { timed } from './measure.mjs'

export function profile(label, commands, { cwd, env, scratch }) {
  const file = path.join(scratch, `trace2-${Date.now()}.jsonl`)
  rmSync(file, { force: true })
  const launched = Date.now()
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
    const p = procs.get(ev.sid) ?? { argv: [], ms: 0, at: 0 }
    if (ev.event === 'start') {
      p.argv = ev.argv.slice(1)
      p.at = Date.parse(ev.time) - launched
    }
    if (ev.event === 'exit') p.ms = ev.t_abs * 1000
    procs.set(ev.sid, p)
  }
  const list = [...procs.values()].sort((a, b) => a.at - b.at)
  const gitMs = list.reduce((s, p) => s + p.ms, 0)
  const lines = [
    `${label}: ${ms.toFixed(1)} ms wall, ${list.length} git process(es), ${gitMs.toFixed(1)} ms ` +
      'summed inside git (parallel calls overlap); first git call at ' +
      `+${list[0]?.at ?? '—'} ms`,
    '   start      took',
    ...list.map(
      (p) =>
        `  +${String(p.at).padStart(4)} ms ${p.ms.toFixed(1).padStart(6)} ms  ` +
        `git ${shorten(p.argv.join(' '))}`,
    ),
  ]
  return lines.join('\n')
}

const shorten = (s) => (s.length > 80 ? `${s.slice(0, 77)}...` : s)
