import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { type CliResult, cpo, sh, tempDir } from './repo.js'

/** The argv of every git process a GIT_TRACE2_EVENT file recorded (none when there is none). */
function startedIn(trace: string): string[][] {
  if (!fs.existsSync(trace)) return []
  return fs
    .readFileSync(trace, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.event === 'start')
    .map((e) => e.argv as string[])
}

/** Runs cpo with a trace of every git process (GIT_TRACE2_EVENT); returns each one's argv. */
export function cpoTraced(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): { r: CliResult; argvs: string[][] } {
  const trace = path.join(tempDir(), 'trace.jsonl')
  const r = cpo(dir, args, { ...env, GIT_TRACE2_EVENT: trace })
  return { r, argvs: startedIn(trace) }
}

/** `fn` run in this process with every git process it starts traced: its value and their argvs. */
export async function traced<T>(fn: () => Promise<T>): Promise<{ value: T; argvs: string[][] }> {
  const trace = path.join(tempDir(), 'trace.jsonl')
  process.env.GIT_TRACE2_EVENT = trace
  try {
    const value = await fn()
    return { value, argvs: startedIn(trace) }
  } finally {
    delete process.env.GIT_TRACE2_EVENT
  }
}

/** An empty commit on HEAD with author and committer time `time` (seconds); returns its id. */
export function commitAt(dir: string, message: string, time: number): string {
  const when = `${time} +0000`
  const env = { ...process.env, GIT_COMMITTER_DATE: when, GIT_AUTHOR_DATE: when }
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', message], { cwd: dir, env })
  return sh(dir, 'git', 'rev-parse', 'HEAD').trim()
}
