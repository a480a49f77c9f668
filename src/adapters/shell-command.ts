import { spawn } from 'node:child_process'
import { CpoError } from '../errors.js'

export interface ShellRun {
  command: string
  exitCode: number | null
  signal: string | null
  durationMs: number
}

/**
 * Runs one verification command the user wrote in `master-project.json` (`npm test`,
 * `pnpm lint && pnpm typecheck`). These are shell command lines by design — pipes, `&&` and
 * env assignments are normal there — so they go to `sh -c` as one argument, exactly as typed;
 * nothing from cpo's own input is ever spliced into them. Output goes to cpo's stderr as it
 * comes (stdout must stay clean for `--json`).
 */
export function runShellCommand(cwd: string, command: string): Promise<ShellRun> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, stdio: ['ignore', 2, 2] })
    child.on('error', (e) =>
      reject(
        new CpoError('SHELL_NOT_AVAILABLE', 'external', `could not run sh: ${e.message}`, {
          hint: 'Verification commands need a POSIX shell (sh) on PATH.',
        }),
      ),
    )
    child.on('close', (code, signal) =>
      resolve({ command, exitCode: code, signal, durationMs: Date.now() - started }),
    )
  })
}
