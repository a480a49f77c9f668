import type { Repo } from '../../adapters/repo.js'
import { runShellCommand } from '../../adapters/shell-command.js'
import { verificationCommands } from '../../core/checkpoint/stage-rules.js'
import type { DependencyPlan } from '../../core/rollback/index.js'
import { readProjectDocument } from '../project-file.js'

export interface AfterReport {
  install:
    | { ran: false; why: string }
    | { ran: true; command: string; exitCode: number | null; ok: boolean }
  verification:
    | { ran: false; why: string }
    | {
        ran: true
        passed: boolean
        runs: Array<{ name: string; command: string; exitCode: number | null }>
      }
}

/**
 * After the rollback is recorded: reinstall dependencies when the lockfile changed (with the
 * install the target's files call for), and run the verification commands with --verify.
 * Neither undoes the rollback when it fails; both report.
 */
export async function afterRollback(
  repo: Repo,
  dependencies: DependencyPlan,
  options: { install?: boolean; verify?: boolean },
): Promise<AfterReport> {
  let install: AfterReport['install']
  const line = dependencies.install
  if (!dependencies.differ) install = { ran: false, why: 'the lockfile did not change' }
  else if (options.install === false) install = { ran: false, why: '--no-install' }
  else if (line === null) install = { ran: false, why: 'the target has no package.json' }
  else {
    // A fixed command line chosen from the target's files (installFor: no user input in it),
    // so the shell runner is safe here.
    const run = await runShellCommand(repo.root, line)
    install = { ran: true, command: line, exitCode: run.exitCode, ok: run.exitCode === 0 }
  }
  let verification: AfterReport['verification']
  if (!options.verify) verification = { ran: false, why: 'not asked (--verify runs them)' }
  else {
    const doc = await readProjectDocument(repo)
    const commands = doc === undefined ? [] : verificationCommands(doc.data)
    if (commands.length === 0) {
      verification = { ran: false, why: 'no verification commands in master-project.json' }
    } else {
      const runs = []
      for (const c of commands) {
        const r = await runShellCommand(repo.root, c.command)
        runs.push({ name: c.name, command: c.command, exitCode: r.exitCode })
      }
      verification = { ran: true, passed: runs.every((r) => r.exitCode === 0), runs }
    }
  }
  return { install, verification }
}
