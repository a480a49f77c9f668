import { spawn } from 'node:child_process'
import { CpoError } from '../errors.js'

export interface CapturedRun {
  command: string
  exitCode: number | null
  signal: string | null
  timedOut: boolean
  durationMs: number
  /** The last lines of stdout and stderr together, as they came. */
  outputTail: string
}

const TAIL_BYTES = 4000

/**
 * Runs a verification command line (`npm test`, `pnpm lint && pnpm typecheck`) the way
 * `stage complete` does (`sh -c`, exactly as the user wrote it), but captures its output instead
 * of streaming it, and kills its whole process group when it runs past `timeoutMs`: a check that
 * hangs must not hold up the others (README.md, "cpo diagnose").
 */
export function runCaptured(
  cwd: string,
  command: string,
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CapturedRun> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, ...options.env },
    })
    let tail = Buffer.alloc(0)
    const keep = (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk])
      if (tail.length > TAIL_BYTES * 2) tail = tail.subarray(tail.length - TAIL_BYTES)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let timedOut = false
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            killGroup(child.pid)
          }, options.timeoutMs)
    child.on('error', (e) => {
      if (timer) clearTimeout(timer)
      reject(
        new CpoError('SHELL_NOT_AVAILABLE', 'external', `could not run sh: ${e.message}`, {
          hint: 'Verification commands need a POSIX shell (sh) on PATH.',
        }),
      )
    })
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer)
      const text = tail.subarray(Math.max(0, tail.length - TAIL_BYTES)).toString('utf8')
      resolve({
        command,
        exitCode: code,
        signal,
        timedOut,
        durationMs: Date.now() - started,
        outputTail: text,
      })
    })
  })
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
