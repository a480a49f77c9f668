import type { LockOwner } from '../adapters/lock.js'
import { CpoError, EXIT, isCpoError } from '../errors.js'

/** What a command hands back to the CLI: the data for --json and the text for people. */
export interface CommandOutput {
  data: unknown
  text: string
  /** Non-zero when the command ran but found a problem to report (e.g. status of a damaged repo). */
  exitCode?: number
}

export function printSuccess(out: CommandOutput, json: boolean): void {
  const owner = (out.data as { lockTakenOverFrom?: LockOwner } | null)?.lockTakenOverFrom
  if (owner && !json) {
    process.stderr.write(
      `cpo: took over the lock of pid ${owner.pid} (cpo ${owner.command}, since ${owner.startedAt}): that process no longer exists\n`,
    )
  }
  if (json) process.stdout.write(`${JSON.stringify({ ok: true, data: out.data }, null, 2)}\n`)
  else if (out.text) process.stdout.write(out.text.endsWith('\n') ? out.text : `${out.text}\n`)
  process.exitCode = out.exitCode ?? EXIT.ok
}

/** The one place errors become output and exit codes. */
export function printError(error: unknown, json: boolean): void {
  const e = toCpoError(error)
  if (json) {
    const body = { code: e.code, message: e.message, hint: e.hint ?? null }
    process.stdout.write(`${JSON.stringify({ ok: false, error: body }, null, 2)}\n`)
  } else {
    process.stderr.write(`cpo: ${e.message}\n`)
    if (e.hint) process.stderr.write(`hint: ${e.hint}\n`)
    if (e.exitClass === 'internal' && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`)
    }
  }
  process.exitCode = e.exitCode
}

function toCpoError(error: unknown): CpoError {
  if (isCpoError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new CpoError('INTERNAL', 'internal', `internal error: ${message}`, {
    hint: 'This is a bug in cpo. Please report it with the command you ran and this message.',
  })
}
