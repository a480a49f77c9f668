import { spawn } from 'node:child_process'
import { CpoError } from '../errors.js'

export interface ShellRun {
  command: string
  exitCode: number | null
  signal: string | null
  durationMs: number
  /** The last lines of stdout and stderr together, as they came. */
  outputTail: string
}

const TAIL_BYTES = 4000

/**
 * Runs one verification command the user wrote in `master-project.json` (`npm test`,
 * `pnpm lint && pnpm typecheck`). These are shell command lines by design — pipes, `&&` and
 * env assignments are normal there — so they go to `sh -c` as one argument, exactly as typed;
 * nothing from cpo's own input is ever spliced into them. Output goes to cpo's stderr as it
 * comes (stdout must stay clean for `--json`), and its tail is kept: a failure carries it in
 * its details, where an agent reading `--json` finds why.
 */
export function runShellCommand(cwd: string, command: string): Promise<ShellRun> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let tail = Buffer.alloc(0)
    const pass = (chunk: Buffer) => {
      process.stderr.write(chunk)
      tail = Buffer.concat([tail, chunk])
      if (tail.length > TAIL_BYTES * 2) tail = tail.subarray(tail.length - TAIL_BYTES)
    }
    child.stdout.on('data', pass)
    child.stderr.on('data', pass)
    child.on('error', (e) =>
      reject(
        new CpoError('SHELL_NOT_AVAILABLE', 'external', `could not run sh: ${e.message}`, {
          hint: 'Verification commands need a POSIX shell (sh) on PATH.',
        }),
      ),
    )
    child.on('close', (code, signal) =>
      resolve({
        command,
        exitCode: code,
        signal,
        durationMs: Date.now() - started,
        outputTail: tail.subarray(Math.max(0, tail.length - TAIL_BYTES)).toString('utf8'),
      }),
    )
  })
}
