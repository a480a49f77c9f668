/**
 * One error type for everything cpo reports to a user. The code is stable (scripts match on it),
 * the exit code groups codes into the documented classes, and the hint says what to do next.
 */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  invalidInput: 5,
  external: 6,
} as const

export type ExitClass = keyof typeof EXIT

export class CpoError extends Error {
  readonly code: string
  readonly exitClass: ExitClass
  readonly hint: string | undefined
  readonly details: unknown

  constructor(
    code: string,
    exitClass: ExitClass,
    message: string,
    options: { hint?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CpoError'
    this.code = code
    this.exitClass = exitClass
    this.hint = options.hint
    this.details = options.details
  }

  get exitCode(): number {
    return EXIT[this.exitClass]
  }
}

export const isCpoError = (e: unknown): e is CpoError => e instanceof CpoError
