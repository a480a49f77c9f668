import { CpoError } from '../../errors.js'
import { statusAt } from '../../ops/status.js'
import { listLines, shortTime, table, warnOnStderr } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function run(g: GlobalOptions): Promise<CommandOutput> {
  const s = await statusAt(g.cwd, g)
  warnOnStderr(g, s.warnings)
  const lines: string[] = []
  const p = s.project
  if (p) {
    lines.push(`project: ${p.name || '(unnamed)'}${p.status ? ` [${p.status}]` : ''}`)
    if (p.phase) lines.push(`phase:   ${p.phase.number}${p.phase.name ? ` ${p.phase.name}` : ''}`)
    lines.push(
      `stage:   ${p.currentStage ? `${p.currentStage.id} ${p.currentStage.name}` : '(none in progress)'}`,
    )
    const pr = p.progress
    lines.push(
      `done:    ${pr.completedStages}/${pr.totalStages} stages, ${pr.completedStories}/${pr.totalStories} stories, ${pr.completedEpics}/${pr.totalEpics} epics`,
    )
    if (p.stages.length > 0) {
      lines.push(
        '',
        table(
          ['STAGE', 'STATUS', 'STORIES', 'STARTED', 'COMPLETED', 'NAME'],
          p.stages.map((st) => [
            st.id,
            st.status,
            `${st.stories.passing}/${st.stories.total}`,
            shortTime(st.startedAt),
            shortTime(st.completedAt),
            st.name,
          ]),
        ),
      )
    }
  } else if (s.projectError) {
    lines.push(`project: cannot read ${s.projectFile}: ${s.projectError.message}`)
    if (s.projectError.hint) lines.push(`hint: ${s.projectError.hint}`)
  } else {
    lines.push(`project: no ${s.projectFile} (cpo still snapshots, undoes and recovers here)`)
  }
  lines.push('', `repository: ${s.root}`)
  if (s.projectFile !== 'master-project.json') lines.push(`state file: ${s.projectFile}`)
  lines.push(`branch:     ${s.branch ?? `(detached at ${s.head?.slice(0, 10) ?? 'nothing'})`}`)
  lines.push(`HEAD:       ${s.head ? s.head.slice(0, 10) : '(no commits yet)'}`)
  const d = s.dirty
  if (d.staged.length + d.unstaged.length + d.untracked.length === 0)
    lines.push('work tree:  clean')
  else {
    lines.push(...listLines('staged:', d.staged))
    lines.push(...listLines('modified:', d.unstaged))
    lines.push(...listLines('untracked:', d.untracked))
  }
  if (s.pendingRecovery.length > 0) {
    lines.push(
      `INTERRUPTED: ${s.pendingRecovery.map((o) => `${o.id} (cpo ${o.command})`).join(', ')} — run \`cpo recover\``,
    )
  }
  if (s.running.length > 0) {
    lines.push(
      `RUNNING: ${s.running.map((o) => `${o.id} (cpo ${o.command})`).join(', ')} — pid ${s.lock?.pid} is working; wait for it (or pass --wait to the next command)`,
    )
  }
  if (s.lock) {
    lines.push(
      `lock: held by pid ${s.lock.pid} (cpo ${s.lock.command}) on ${s.lock.host} since ${s.lock.startedAt}${s.lock.stale ? ' — stale, the next command takes it over' : ''}`,
    )
  }
  return {
    data: s,
    text: lines.join('\n'),
    ...(s.projectError
      ? {
          failure: new CpoError(s.projectError.code, 'invalidInput', s.projectError.message, {
            ...(s.projectError.hint ? { hint: s.projectError.hint } : {}),
            ...(s.projectError.details === undefined ? {} : { details: s.projectError.details }),
          }),
        }
      : {}),
  }
}
