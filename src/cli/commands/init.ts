import { openRepo } from '../../adapters/repo.js'
import { initProject } from '../../ops/checkpoint/init.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function run(g: GlobalOptions): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const report = await initProject(repo, g.wait === undefined ? {} : { wait: g.wait })
  const checks = Object.entries(report.verification)
  const lines = [
    report.excludeAdded
      ? '.checkpoints/ is now ignored (added to .git/info/exclude)'
      : '.checkpoints/ was already ignored',
    report.initialized
      ? `${report.initialized.tag} ${report.initialized.created ? 'created at' : 'already at'} ${report.initialized.commit.slice(0, 10)}`
      : 'no checkpoint/project-initialized: no commit has master-project.json yet',
    report.project
      ? `project: ${report.project.name ?? '(unnamed)'}, ${report.project.stages} stage(s), phase ${report.project.currentPhase ?? '-'}`
      : 'no master-project.json (stage commands need one)',
    checks.length > 0
      ? `verification: ${checks.map(([k, v]) => `${k}=${v}`).join(', ')}`
      : 'verification: none configured (stage complete will not run checks)',
    `database: ${report.database ?? '-'}${report.orm ? ` (${report.orm})` : ''}, hosting: ${report.hosting ?? '-'}`,
  ]
  return { data: report, text: lines.join('\n') }
}
