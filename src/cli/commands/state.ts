import { openProjectRepo } from '../../ops/open-repo.js'
import { repairStateFile } from '../../ops/state-repair.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function repair(g: GlobalOptions, o: { dryRun?: boolean }): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await repairStateFile(repo, {
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(g.wait === undefined ? {} : { wait: g.wait }),
  })
  const p = r.plan
  if (p.problems.length === 0) {
    return { data: r, text: 'nothing to repair: master-project.json agrees with git' }
  }
  const changes = [
    ...p.problems.map((x) => `problem: ${x.message}`),
    ...p.stages.map((s) => `stage ${s.id}: ${s.from} → ${s.to}`),
    ...p.stories.map((s) => `story ${s.id}: passing → not passing`),
    ...p.epics.map((e) => `epic ${e.id}: ${e.from} → ${e.to}`),
  ]
  if (r.dryRun) return { data: r, text: [...changes, 'nothing changed (--dry-run)'].join('\n') }
  return {
    data: r,
    text: [
      ...changes,
      'master-project.json written (uncommitted)',
      ...(r.repaired ? [`undo with: cpo undo ${r.opId}`] : []),
    ].join('\n'),
  }
}
