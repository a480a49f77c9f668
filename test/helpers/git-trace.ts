import fs from 'node:fs'
import path from 'node:path'
import { type CliResult, cpo, tempDir } from './repo.js'

/** Runs cpo with a trace of every git process (GIT_TRACE2_EVENT); returns each one's argv. */
export function cpoTraced(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): { r: CliResult; argvs: string[][] } {
  const trace = path.join(tempDir(), 'trace.jsonl')
  const r = cpo(dir, args, { ...env, GIT_TRACE2_EVENT: trace })
  const argvs = fs
    .readFileSync(trace, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.event === 'start')
    .map((e) => e.argv as string[])
  return { r, argvs }
}
