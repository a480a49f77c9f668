import { EXIT } from '../../errors.js'
import { checkProject } from '../../ops/check.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

const MARK = { pass: '✓', fail: '✗', skip: '–', error: '!' } as const

/** Exit 0 when the state file agrees with git, 4 (conflict) with each problem listed when not. */
export async function run(g: GlobalOptions): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await checkProject(repo)
  const text = [
    ...r.checks.map((c) => `${MARK[c.status]} ${c.id}: ${c.evidence}`),
    ...r.problems.map((p) => `  problem: ${p.message}`),
    ...(r.repair
      ? [
          `make master-project.json agree with git: ${r.repair.command}`,
          ...r.repair.stages.map((s) => `  stage ${s.id}: ${s.from} → ${s.to}`),
          ...(r.repair.stories.length > 0
            ? [`  ${r.repair.stories.length} story(ies) no longer passing`]
            : []),
        ]
      : []),
    r.consistent ? 'everything agrees' : 'problems found',
  ].join('\n')
  return { data: r, text, ...(r.consistent ? {} : { exitCode: EXIT.conflict }) }
}
