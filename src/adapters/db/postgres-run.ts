import { spawn } from 'node:child_process'
import { CpoError } from '../../errors.js'

export interface ToolResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs a PostgreSQL client tool with an argument array; connection settings (the password
 * included) come only from `env`, never from the command line where `ps` would show them.
 */
export function runTool(
  path: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.on('error', (e: NodeJS.ErrnoException) => reject(toolMissing(path, e)))
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    )
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? '')
  })
}

function toolMissing(path: string, e: NodeJS.ErrnoException): CpoError {
  const name = path.split('/').pop() ?? path
  return new CpoError(
    'DB_TOOL_MISSING',
    'external',
    `could not run ${name}: ${e.code ?? e.message}`,
    {
      hint: installHint(),
    },
  )
}

export function installHint(major?: number): string {
  const v = major ? `-${major}` : ''
  return (
    `Install the PostgreSQL${major ? ` ${major}` : ''} client tools (Debian/Ubuntu: \`sudo apt-get install postgresql-client${v}\`; ` +
    'macOS: `brew install libpq`) or put their bin directory first on PATH, then run `cpo db status`.'
  )
}

/** libpq and server messages, newest PostgreSQL wording first; matched in order. */
const PATTERNS: [RegExp, string, string][] = [
  [
    /password authentication failed|no password supplied|authentication failed for user|SCRAM authentication/i,
    'DB_AUTH_FAILED',
    'Check the user name and password in the database URL (the .env file or --db-url), then run `cpo db status`.',
  ],
  [
    /database "[^"]*" does not exist/i,
    'DB_NOT_FOUND',
    'Check the database name in the URL, or create it (`createdb <name>`), then run `cpo db status`.',
  ],
  [
    /Connection refused|could not translate host name|timeout expired|Network is unreachable|No route to host|could not connect to server|No such file or directory\s+Is the server running|server closed the connection unexpectedly/i,
    'DB_UNREACHABLE',
    'Start the database server (or check host and port in the URL), then run `cpo db status`.',
  ],
  [/server version mismatch/i, 'DB_TOOL_TOO_OLD', installHint()],
  [
    /is being accessed by other users|is used by an active logical replication slot/i,
    'DB_IN_USE',
    'Stop what is connected (a dev server, psql, a GUI), or pass --terminate-connections to end those sessions.',
  ],
  [
    /permission denied to (create|rename|drop|alter) database|must be owner of database|must be superuser/i,
    'DB_PERMISSION',
    'The database user needs CREATEDB (and to own the database): `ALTER ROLE <user> CREATEDB`, or use --strategy dump.',
  ],
  [
    /permission denied for (table|schema|sequence|view|materialized view|function|large object)/i,
    'DB_PERMISSION',
    "The database user must be able to read every object (pg_dump reads them all): use the owner's URL or GRANT SELECT on what the message names.",
  ],
]

/** The first lines of a tool's error output, with any occurrence of the password masked. */
export function errorText(stderr: string, secret?: string): string {
  let text = stderr
  if (secret) text = text.split(secret).join('***')
  const lines = text
    .split('\n')
    .map((l) => l.replace(/^psql:<stdin>:\d+: /, '').trim())
    .filter((l) => l && !/^(LOCATION|DETAIL|HINT|CONTEXT):/.test(l))
  return lines.slice(0, 3).join(' ') || 'no error message'
}

/** A failed tool run as a CpoError whose code says what is wrong (auth, not found, unreachable…). */
export function toolError(
  what: string,
  result: ToolResult,
  secret?: string,
  fallbackCode = 'DB_COMMAND_FAILED',
): CpoError {
  const text = errorText(result.stderr, secret)
  for (const [re, code, hint] of PATTERNS) {
    if (re.test(result.stderr)) {
      return new CpoError(
        code,
        code === 'DB_IN_USE' ? 'conflict' : 'external',
        `${what}: ${text}`,
        {
          hint,
        },
      )
    }
  }
  return new CpoError(fallbackCode, 'external', `${what}: ${text}`, {
    hint: 'Fix what the message names, then run `cpo db status` to check the database.',
  })
}

/** The SQLSTATE in a psql error printed with VERBOSITY=verbose (`ERROR:  42P01: …`). */
export function sqlState(stderr: string): string | undefined {
  return /ERROR:\s+([0-9A-Z]{5}):/.exec(stderr)?.[1]
}
