import { openProjectRepo } from '../../ops/open-repo.js'
import { markStory } from '../../ops/story-mark.js'
import type { GlobalOptions } from '../options.js'
import { type CommandOutput, planned } from '../output.js'

type Flags = { reason?: string; dryRun?: boolean }

export const pass = (g: GlobalOptions, id: string, o: Flags) => mark(g, id, true, o)
export const fail = (g: GlobalOptions, id: string, o: Flags) => mark(g, id, false, o)

async function mark(
  g: GlobalOptions,
  id: string,
  passes: boolean,
  o: Flags,
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await markStory(repo, id, passes, {
    ...(g.wait === undefined ? {} : { wait: g.wait }),
    ...(o.reason === undefined ? {} : { reason: o.reason }),
    ...(o.dryRun ? { dryRun: true } : {}),
  })
  const p = r.dryRun ? r.plan : r
  const where = [p.stateStory ? 'master-project.json' : null, p.prdStory ? 'prd.json' : null]
    .filter(Boolean)
    .join(' and ')
  const lines = [
    `${r.dryRun ? 'would mark' : 'marked'} story ${p.story} ${passes ? 'passing' : 'not passing'} in ${where}${!passes && p.attempts !== null ? ` (attempt ${p.attempts})` : ''}`,
    r.dryRun
      ? 'nothing changed (--dry-run)'
      : `${r.files.join(', ')} changed (not committed); undo with: cpo undo ${r.opId}`,
  ]
  return { data: planned(r), text: lines.join('\n') }
}
