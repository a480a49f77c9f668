import type { LockOwner } from '../adapters/lock.js'
import { CpoError, EXIT, isCpoError } from '../errors.js'

/** What a command hands back to the CLI: the data for --json and the text for people. */
export interface CommandOutput {
  data: unknown
  text: string
  /**
   * Set when the command ran but found a problem to report (status of a damaged repository, a
   * failed verification after a rollback): the exit code is the failure's, and --json says
   * `"ok": false` with the failure as `error` and the data beside it.
   */
  failure?: CpoError
  /** Non-zero without a failure: an exit code alone (kept for commands that set only this). */
  exitCode?: number
}

/** The one JSON envelope: `ok` and the exit code always agree. */
export type Envelope = { ok: true; data: unknown } | { ok: false; error: ErrorBody; data?: unknown }

export interface ErrorBody {
  code: string
  message: string
  hint: string | null
  details?: unknown
}

export function errorBody(e: CpoError): ErrorBody {
  return {
    code: e.code,
    message: e.message,
    hint: e.hint ?? null,
    ...(e.details === undefined ? {} : { details: e.details }),
  }
}

/** The envelope and exit code of a command's output (also what the MCP server returns). */
export function envelopeOf(out: CommandOutput): { envelope: Envelope; exitCode: number } {
  const failure =
    out.failure ??
    (out.exitCode !== undefined && out.exitCode !== EXIT.ok
      ? new CpoError('COMMAND_FAILED', exitClassOf(out.exitCode), 'the command reported a problem')
      : undefined)
  if (!failure) return { envelope: { ok: true, data: out.data }, exitCode: EXIT.ok }
  return {
    envelope: { ok: false, error: errorBody(failure), data: out.data },
    exitCode: failure.exitCode,
  }
}

/**
 * `cpo --help | head -1`: the reader closed the pipe, so the rest of the output has nowhere to
 * go. That is the reader's choice, not a failure: exit quietly with 0, as `git log | head` does.
 */
export function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0)
    throw e
  })
}

export function printSuccess(out: CommandOutput, json: boolean): void {
  const owner = (out.data as { lockTakenOverFrom?: LockOwner } | null)?.lockTakenOverFrom
  if (owner && !json) {
    process.stderr.write(
      `cpo: took over the lock of pid ${owner.pid} (cpo ${owner.command}, since ${owner.startedAt}): that process no longer exists\n`,
    )
  }
  const { envelope, exitCode } = envelopeOf(out)
  if (json) printJson(envelope)
  else {
    if (out.text) process.stdout.write(out.text.endsWith('\n') ? out.text : `${out.text}\n`)
    if (out.failure && !out.text.includes(out.failure.message)) printErrorText(out.failure)
  }
  process.exitCode = exitCode
}

export function printJson(envelope: Envelope): void {
  process.stdout.write(`${JSON.stringify(envelope, null, 2)}\n`)
}

/** The one place errors become output and exit codes. */
export function printError(error: unknown, json: boolean): void {
  const e = toCpoError(error)
  if (json) printJson({ ok: false, error: errorBody(e) })
  else {
    printErrorText(e)
    if (e.exitClass === 'internal' && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`)
    }
  }
  process.exitCode = e.exitCode
}

function printErrorText(e: CpoError): void {
  process.stderr.write(`cpo: ${e.message}\n`)
  for (const line of detailLines(e.details)) process.stderr.write(`  ${line}\n`)
  if (e.hint) process.stderr.write(`hint: ${e.hint}\n`)
}

const MAX_LINE = 160

/** A short text form of `details`: one line per key, long values cut (--json has them whole). */
export function detailLines(details: unknown): string[] {
  if (details === undefined || details === null) return []
  const short = (v: unknown) => {
    const s = typeof v === 'string' ? v : JSON.stringify(v)
    return s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)}…` : s
  }
  if (Array.isArray(details)) {
    const shown = details.slice(0, 10).map(short)
    if (details.length > 10) shown.push(`… and ${details.length - 10} more`)
    return shown
  }
  if (typeof details === 'object') {
    return Object.entries(details as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .slice(0, 10)
      .map(([k, v]) => `${k}: ${short(v)}`)
  }
  return [short(details)]
}

export function toCpoError(error: unknown): CpoError {
  if (isCpoError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new CpoError('INTERNAL', 'internal', `internal error: ${message}`, {
    hint: 'This is a bug in cpo. Please report it with the command you ran and this message.',
  })
}

function exitClassOf(code: number): CpoError['exitClass'] {
  const found = Object.entries(EXIT).find(([, v]) => v === code)
  return (found?.[0] as CpoError['exitClass'] | undefined) ?? 'internal'
}

/**
 * Dry runs and real runs share one shape: `plan` in both, `result` (what the run did) only when
 * it ran. The result's fields also stay at the top of `data`, where scripts written before this
 * shape read them.
 */
export function planned<T extends { dryRun: boolean; plan: unknown }>(r: T): unknown {
  if (r.dryRun) return { dryRun: true, plan: r.plan }
  const { plan, dryRun: _, ...result } = r
  return { ...result, dryRun: false, plan, result }
}
