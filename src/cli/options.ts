import type { Command } from 'commander'
import { CpoError } from '../errors.js'

export interface GlobalOptions {
  json: boolean
  cwd: string
  yes: boolean
  /** Seconds to wait for the repository lock; undefined = fail at once. */
  wait: number | undefined
  interactive: boolean
  /** `--project-file`: the state file, relative to `cwd`, when it is not at the repository root. */
  projectFile?: string | undefined
}

export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as {
    json?: boolean
    cwd?: string
    yes?: boolean
    wait?: string | boolean
    projectFile?: string
  }
  const json = o.json === true
  return {
    json,
    cwd: o.cwd ?? process.cwd(),
    yes: o.yes === true,
    wait: parseWait(o.wait),
    interactive: !json && process.stdin.isTTY === true && process.stderr.isTTY === true,
    ...(o.projectFile === undefined ? {} : { projectFile: o.projectFile }),
  }
}

function parseWait(value: string | boolean | undefined): number | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return Number.POSITIVE_INFINITY
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) {
    throw new CpoError(
      'USAGE',
      'usage',
      `--wait takes a number of seconds, got ${JSON.stringify(value)}`,
      {
        hint: 'Write --wait=30 (or --wait alone to wait until the lock is free).',
      },
    )
  }
  return n
}

/**
 * A commander parser for a count or size option: a whole number ≥ `min`, else a usage error
 * naming the option (commander would hand `Number('abc')`, NaN, to the command).
 */
export function wholeNumber(flag: string, min = 0): (value: string) => number {
  return (value: string) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN
    if (!Number.isSafeInteger(n) || n < min) {
      const long = flag.split(/,\s*/).at(-1) ?? flag
      throw new CpoError('USAGE', 'usage', `${long}: expected a whole number, got ${value}`, {
        hint: `Write ${long} ${Math.max(min, 10)}${min > 0 ? ` (at least ${min})` : ''}.`,
      })
    }
    return n
  }
}
