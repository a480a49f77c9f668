import { decodeBytes, encodeText, isPlainText } from '../core/path-bytes.js'
import { CpoError } from '../errors.js'
import { gitRun } from './git-spawn.js'

export interface GitResult {
  stdout: string
  stderr: string
  code: number
}

export interface GitOptions {
  /** Extra environment (e.g. GIT_INDEX_FILE for a temporary index). */
  env?: Record<string, string>
  /** Data written to stdin. */
  input?: string | Buffer
  /** Exit codes that are not failures (e.g. 1 for `diff --quiet`). */
  okCodes?: number[]
  /** Return stdout as raw bytes instead of text. */
  raw?: boolean
}

/**
 * Runs git with an argument array (never a shell) in `cwd`. A non-zero exit becomes a CpoError
 * that quotes git's own message, except for codes the caller declares as expected.
 */
export function git(
  cwd: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<GitResult> {
  return gitRaw(cwd, args, options).then((r) => ({
    // Paths in git's output are bytes: names that are not UTF-8 are kept exactly (core/path-bytes).
    stdout: decodeBytes(r.stdout),
    stderr: r.stderr,
    code: r.code,
  }))
}

export function gitBytes(
  cwd: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  return gitRaw(cwd, args, options)
}

function gitRaw(
  cwd: string,
  args: readonly string[],
  options: GitOptions,
): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  // An argument is passed as UTF-8: a name holding bytes that are not UTF-8 would silently become
  // another name. Such paths go on stdin; getting one here is a bug, so it fails loudly.
  const bad = args.find((a) => !isPlainText(a))
  if (bad !== undefined) {
    return Promise.reject(
      new CpoError(
        'INTERNAL',
        'internal',
        `a path that is not UTF-8 reached git's command line (${args[0]})`,
      ),
    )
  }
  const input = typeof options.input === 'string' ? encodeText(options.input) : options.input
  return gitRun(cwd, args, options.env, input).then((r) => {
    if (r.error?.code === 'ENOENT') {
      throw new CpoError('GIT_NOT_INSTALLED', 'external', 'git is not installed or not on PATH', {
        hint: 'Install git (https://git-scm.com) and run the command again.',
      })
    }
    if (r.error)
      throw new CpoError('GIT_FAILED', 'external', `could not run git: ${r.error.message}`)
    const stderr = decodeBytes(r.stderr)
    const exit = r.code ?? 128
    if (exit === 0 || options.okCodes?.includes(exit))
      return { stdout: r.stdout, stderr, code: exit }
    throw gitFailure(args, stderr, exit)
  })
}

function gitFailure(args: readonly string[], stderr: string, code: number): CpoError {
  const text = stderr.trim()
  if (/not a git repository/i.test(text)) {
    return new CpoError('NOT_A_REPOSITORY', 'notFound', 'not a git repository', {
      hint: 'Run cpo inside a git repository, or point to one with -C <dir>.',
    })
  }
  const missing = missingFilterCommand(text)
  if (missing) return missing
  const first = text.split('\n').find((l) => l.startsWith('fatal:') || l.startsWith('error:'))
  // git's own advice for a left-over lock file is in lines the one-line message drops.
  const lock = /Unable to create '([^']+\.lock)': File exists/.exec(text)?.[1]
  return new CpoError(
    'GIT_FAILED',
    'external',
    `git ${args[0] ?? ''} failed (exit ${code}): ${first ?? (text || 'no message')}`,
    {
      details: { args, stderr: text, code },
      ...(lock
        ? {
            hint: `Another git command is running, or one was killed while holding ${lock}. If no git process is running, delete that file and run the command again (an interrupted cpo operation is then finished by \`cpo recover\`).`,
          }
        : {}),
    },
  )
}

/**
 * A filter named in .gitattributes whose program is not installed (git-lfs above all) makes git
 * print the shell's "not found" and then a generic "the remote end hung up" or "clean filter
 * failed": name the missing program instead.
 */
function missingFilterCommand(stderr: string): CpoError | undefined {
  const match = /(?:^|\n)[^\n]*?: (?:\d+: )?([^\s:]+): (?:command )?not found/.exec(stderr)
  const program = match?.[1]
  if (!program || !/filter|subprocess/.test(stderr)) return undefined
  const lfs = program === 'git-lfs'
  return new CpoError(
    lfs ? 'GIT_LFS_MISSING' : 'FILTER_PROGRAM_MISSING',
    'external',
    lfs
      ? 'this repository uses Git LFS (filter=lfs in .gitattributes) but git-lfs is not installed'
      : `a filter in .gitattributes runs \`${program}\`, which is not installed`,
    {
      hint: lfs
        ? 'Install git-lfs (e.g. `apt-get install git-lfs`), run `git lfs install`, then run the command again.'
        : `Install ${program} (or remove its filter from .gitattributes / git config), then run the command again.`,
      details: { stderr },
    },
  )
}

/**
 * Whether `paths` can go on git's command line: at most `max` of them (git matches each against
 * every index or tree entry, so many cost more than one full pass) and short enough together.
 */
export function fitsCommandLine(paths: readonly string[], max: number): boolean {
  return (
    paths.length <= max &&
    paths.every(isPlainText) &&
    paths.reduce((n, p) => n + p.length + 1, 0) <= 65536
  )
}

/** Splits NUL-separated git output, dropping the trailing empty field. */
export function splitZ(text: string): string[] {
  const parts = text.split('\0')
  if (parts.at(-1) === '') parts.pop()
  return parts
}
