import {
  type ProjectFile,
  phaseName,
  projectPhase,
  stageNumber,
  stagesOf,
} from '../project/index.js'
import type { Checkpoint } from './types.js'

export interface TimelinePoint {
  name: string
  kind: Checkpoint['kind']
  time: string
  commit: string
  inferred: boolean
}

export interface Timeline {
  phases: Array<{
    number: number
    name: string
    state: 'done' | 'current' | 'upcoming'
    checkpoints: TimelinePoint[]
  }>
  stages: Array<{
    id: string
    name: string | null
    status: string
    startedAt: string | null
    completedAt: string | null
    checkpoints: TimelinePoint[]
  }>
  deploys: TimelinePoint[]
  /** Checkpoints of no phase, stage or deploy (user checkpoints, project-initialized…). */
  other: TimelinePoint[]
}

const point = (c: Checkpoint): TimelinePoint => ({
  name: c.name,
  kind: c.kind,
  time: c.time,
  commit: c.commit,
  inferred: c.inferred,
})

/**
 * The project's history grouped for display: phases 1–5 (done when tagged or before the current
 * one), the stages of the state file with their checkpoints, deploys, and the rest. Stories and
 * single work commits are left out: a timeline shows boundaries.
 */
export function buildTimeline(
  project: ProjectFile | undefined,
  checkpoints: Checkpoint[],
): Timeline {
  const boundaries = checkpoints.filter((c) => c.kind !== 'story' && c.kind !== 'stage-work')
  const current = project === undefined ? null : (projectPhase(project)?.number ?? null)
  const phases = [1, 2, 3, 4, 5].map((n) => {
    const mine = boundaries.filter((c) => c.kind === 'phase-complete' && c.phase === n)
    const state: 'done' | 'current' | 'upcoming' =
      mine.length > 0 || (current !== null && n < current)
        ? 'done'
        : n === current
          ? 'current'
          : 'upcoming'
    return { number: n, name: phaseName(n) ?? `Phase ${n}`, state, checkpoints: mine.map(point) }
  })
  const stageList = stagesOf(project ?? {})
  const known = new Set(stageList.flatMap((s) => stageNumber(s.id) ?? []))
  const stages = stageList.map((s) => ({
    id: s.id,
    name: s.name ?? null,
    status: s.status || 'pending',
    startedAt: s.startedAt ?? null,
    completedAt: s.completedAt ?? null,
    checkpoints: boundaries
      // A deploy is listed once, under deploys, whatever stage was current when it was recorded.
      .filter((c) => c.kind !== 'prod' && c.stage !== null && c.stage.number === stageNumber(s.id))
      .map(point),
  }))
  const other = boundaries.filter(
    (c) =>
      c.kind !== 'prod' &&
      c.kind !== 'phase-complete' &&
      (c.stage === null || !known.has(c.stage.number)),
  )
  return {
    phases,
    stages,
    deploys: boundaries.filter((c) => c.kind === 'prod').map(point),
    other: other.map(point),
  }
}

export interface RenderOptions {
  /** Terminal columns; lines never exceed it. */
  width: number
  color: boolean
}

const MARK: Record<string, string> = {
  done: '●',
  current: '◐',
  upcoming: '○',
}

const stageMark = (status: string): string =>
  ['tested', 'completed'].includes(status)
    ? '●'
    : status === 'in_progress' || status === 'implemented'
      ? '◐'
      : status === 'skipped'
        ? '◌'
        : status === 'failed' || status === 'blocked'
          ? '✕'
          : '○'

/** Cuts a line to `width` characters (code points), with an ellipsis when it had to. */
function fitWidth(line: string, width: number): string {
  const chars = [...line]
  if (chars.length <= width) return line
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`
}

const pointText = (p: TimelinePoint) =>
  `${p.name}${p.inferred ? '?' : ''} ${p.time.slice(0, 10)} ${p.commit.slice(0, 7)}`

/** Draws the timeline: one line per phase and stage, checkpoints beneath, nothing wider than asked. */
export function renderTimeline(t: Timeline, options: RenderOptions): string {
  const paint = (code: string, s: string) => (options.color ? `\u001b[${code}m${s}\u001b[0m` : s)
  const dim = (s: string) => paint('2', s)
  const lines: string[] = []
  const add = (text: string, style?: (s: string) => string) => {
    const fitted = fitWidth(text, options.width)
    lines.push(style ? style(fitted) : fitted)
  }
  for (const p of t.phases) {
    add(
      `${MARK[p.state]} Phase ${p.number} ${p.name}${p.state === 'current' ? '  (current)' : ''}`,
      p.state === 'upcoming' ? dim : undefined,
    )
    for (const c of p.checkpoints) add(`│   ⚑ ${pointText(c)}`)
    if (p.number === 3) {
      t.stages.forEach((s, i) => {
        const last = i === t.stages.length - 1
        add(
          `${last ? '└' : '├'}─ ${stageMark(s.status)} ${s.id}${s.name ? ` ${s.name}` : ''}  [${s.status}]`,
          s.status === 'pending' ? dim : undefined,
        )
        for (const c of s.checkpoints) add(`${last ? ' ' : '│'}     ⚑ ${pointText(c)}`)
      })
    }
  }
  if (t.deploys.length > 0) {
    add('deploys:')
    for (const d of t.deploys) add(`  ⇪ ${pointText(d)}`)
  }
  if (t.other.length > 0) {
    add('other checkpoints:')
    for (const o of t.other) add(`  ⚑ ${pointText(o)}`)
  }
  add(dim('(? = inferred from a commit message, no tag)'))
  return lines.join('\n')
}
