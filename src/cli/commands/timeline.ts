import { renderTimeline } from '../../core/checkpoint/timeline.js'
import { projectTimeline } from '../../ops/checkpoint/timeline.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import { unreadableState, warnOnStderr } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function run(g: GlobalOptions, o: { width?: number }): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const timeline = await projectTimeline(repo)
  warnOnStderr(g, timeline.warnings.map(unreadableState))
  const tty = process.stdout.isTTY === true
  const width = Number(o.width ?? (tty ? process.stdout.columns : 100)) || 100
  // Colours only for a person at a terminal; pipes, files and NO_COLOR get plain text.
  const color = tty && process.env.NO_COLOR === undefined
  return { data: timeline, text: renderTimeline(timeline, { width: Math.max(20, width), color }) }
}
