import { type ChildProcess, spawn } from 'node:child_process'

/** Environment for every git call: stable English messages, never a credential prompt. */
export const BASE_ENV = {
  LC_ALL: 'C',
  LANG: 'C',
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_PAGER: 'cat',
  GIT_EDITOR: 'true',
}

/** What one git process gave: its output, exit code, or the error that kept it from running. */
export interface GitRun {
  stdout: Buffer
  stderr: Buffer
  code: number | null
  error?: NodeJS.ErrnoException
}

/** Runs git (never a shell) and collects everything; the promise never rejects. */
function runGit(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> | undefined,
  input: Buffer | undefined,
): { child: ChildProcess; run: Promise<GitRun> } {
  const child = spawn('git', args, {
    cwd,
    env: { ...process.env, ...BASE_ENV, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  // Listeners go on before anything can be emitted.
  child.stdout?.on('data', (d: Buffer) => out.push(d))
  child.stderr?.on('data', (d: Buffer) => err.push(d))
  child.stdin?.on('error', () => {
    // git may exit before reading all input (e.g. on a bad argument); the exit code reports it.
  })
  const run = new Promise<GitRun>((resolve) => {
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), code: null, error }),
    )
    child.on('close', (code) =>
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code }),
    )
  })
  child.stdin?.end(input)
  return { child, run }
}

/*
 * Early reads (ARCHITECTURE.md §34): a command whose first git reads are known from its
 * arguments alone has them started by bin/cpo.js before its modules load. A started read waits
 * here, keyed by directory and arguments, and is handed to the first call that asks for exactly
 * that read in that directory with no input or extra environment; one that nobody asks for keeps
 * no process waiting (its child is unreferenced until taken).
 */
const early = new Map<string, { child: ChildProcess; run: Promise<GitRun> }>()
const keyOf = (cwd: string, args: readonly string[]) => JSON.stringify([cwd, args])

export function startEarlyGit(cwd: string, args: readonly string[]): void {
  const key = keyOf(cwd, args)
  if (early.has(key)) return
  const started = runGit(cwd, args, undefined, undefined)
  holdLoop(started.child, false)
  early.set(key, started)
}

/** For tests: the early reads started and not yet taken, as [directory, arguments]. */
export function pendingEarlyReads(): Array<[string, string[]]> {
  return [...early.keys()].map((k) => JSON.parse(k))
}

/** A git run: the early read of exactly this, when one was started, else a new process. */
export function gitRun(
  cwd: string,
  args: readonly string[],
  env?: Record<string, string>,
  input?: Buffer,
): Promise<GitRun> {
  const plain =
    early.size > 0 && input === undefined && (env === undefined || Object.keys(env).length === 0)
  const key = plain ? keyOf(cwd, args) : undefined
  const started = key === undefined ? undefined : early.get(key)
  if (key === undefined || started === undefined) return runGit(cwd, args, env, input).run
  early.delete(key)
  holdLoop(started.child, true)
  return started.run
}

/** Whether a child and its output pipes keep node running until they close. */
function holdLoop(child: ChildProcess, hold: boolean): void {
  // The pipes are sockets, which can be (un)referenced like the child.
  type Handle = { ref?: () => void; unref?: () => void }
  for (const h of [child, child.stdout, child.stderr] as Handle[]) {
    if (hold) h?.ref?.()
    else h?.unref?.()
  }
}
