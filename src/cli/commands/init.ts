import type { Repo } from '../../adapters/repo.js'
import { CpoError, isCpoError } from '../../errors.js'
import { initGitRepository, initProject } from '../../ops/checkpoint/init.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import { warnOnStderr } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function run(g: GlobalOptions, o: { git?: boolean }): Promise<CommandOutput> {
  const { repo, created } = await repository(g, o.git === true)
  const report = {
    ...(await initProject(repo, {
      ...(g.wait === undefined ? {} : { wait: g.wait }),
      ...(created ? { initialCommit: created } : {}),
    })),
    gitInitialized: created === undefined ? null : { branch: 'main', commit: created },
  }
  warnOnStderr(g, report.warnings)
  const checks = Object.entries(report.verification)
  const lines = [
    ...(created
      ? [
          `git repository created on branch main; project files committed as ${created.slice(0, 10)}`,
        ]
      : []),
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

/** The repository at `cwd`; with `--git`, a new one when `cwd` is not in a repository. */
async function repository(
  g: GlobalOptions,
  makeOne: boolean,
): Promise<{ repo: Repo; created?: string }> {
  const cwd = g.cwd
  try {
    return { repo: await openProjectRepo(cwd, g) }
  } catch (e) {
    if (!isCpoError(e) || e.code !== 'NOT_A_REPOSITORY') throw e
    if (!makeOne) {
      throw new CpoError('NOT_A_REPOSITORY', 'notFound', `${cwd} is not a git repository`, {
        hint: 'Run `cpo init --git` to make it one (git init on branch main, the project files committed, checkpoint/project-initialized tagged).',
      })
    }
  }
  const { commit } = await initGitRepository(cwd)
  return { repo: await openProjectRepo(cwd, g), created: commit }
}
