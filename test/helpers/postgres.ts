import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEveryFile } from './hooks.js'

/**
 * One throwaway PostgreSQL cluster per test file: initdb into a temp dir, a free port on
 * 127.0.0.1, the socket in the same temp dir, stopped in afterAll and on process exit (so a
 * failing or interrupted test file leaves no server behind). PostgreSQL refuses to run as root,
 * so as root the server runs as the `postgres` user.
 */
export interface Cluster {
  port: number
  host: string
  socketDir: string
  dataDir: string
  /** postgres://postgres@127.0.0.1:PORT/<db> (trust authentication, superuser). */
  url(db: string, user?: string, password?: string): string
  /** Runs SQL as the superuser through psql on `db`; returns stdout (unaligned, tuples only). */
  sql(db: string, sql: string): string
  stop(): void
}

export function pgBinDir(): string {
  const dirs = fs.existsSync('/usr/lib/postgresql')
    ? fs
        .readdirSync('/usr/lib/postgresql')
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : []
  const dir = dirs.find((d) => fs.existsSync(path.join(d, 'initdb')))
  if (!dir)
    throw new Error('PostgreSQL server binaries not found (run .ci/run to install postgresql-15)')
  return dir
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

const asRoot = process.getuid?.() === 0

/**
 * Stops for every cluster this file started. Hooks registered inside a beforeAll are not run by
 * vitest, so the clean-up is registered when the helper loads (test/helpers/hooks.ts); the exit
 * and signal hooks cover a worker that ends without running afterAll.
 */
const running: (() => void)[] = []
const stopAll = (): void => {
  for (const stop of running.splice(0)) stop()
}
afterEveryFile(stopAll)
process.once('exit', stopAll)
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    stopAll()
    process.exit(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15))
  })
}

function asServerUser(cmd: string, args: string[]): string[] {
  return asRoot ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args]
}

function run(argv: string[], options: { cwd?: string } = {}): string {
  const [cmd, ...args] = argv as [string, ...string[]]
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd ?? os.tmpdir(),
  })
}

export async function startCluster(): Promise<Cluster> {
  const bin = pgBinDir()
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cpo-pg-')))
  // The server user has to reach its data and socket directories.
  fs.chmodSync(root, 0o755)
  const dataDir = path.join(root, 'data')
  const socketDir = path.join(root, 'sock')
  fs.mkdirSync(socketDir)
  if (asRoot) {
    const uid = Number(run(['id', '-u', 'postgres']).trim())
    const gid = Number(run(['id', '-g', 'postgres']).trim())
    fs.chownSync(socketDir, uid, gid)
    fs.chownSync(root, uid, gid)
  }
  run(
    asServerUser(path.join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--no-sync',
    ]),
  )
  // Members of this group log in with a password (createPasswordRole); everyone else is trusted.
  // Group membership is checked at each login, so adding a role needs no reload.
  const hba = path.join(dataDir, 'pg_hba.conf')
  fs.writeFileSync(
    hba,
    `host all +${PASSWORD_GROUP} 127.0.0.1/32 scram-sha-256\nlocal all +${PASSWORD_GROUP} scram-sha-256\n${fs.readFileSync(hba, 'utf8')}`,
  )
  const port = await freePort()
  const pgCtl = path.join(bin, 'pg_ctl')
  const opts = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`
  run(
    asServerUser(pgCtl, [
      '-D',
      dataDir,
      '-o',
      opts,
      '-l',
      path.join(root, 'server.log'),
      '-w',
      'start',
    ]),
  )

  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    const [cmd, ...args] = asServerUser(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'])
    spawnSync(cmd as string, args, { stdio: 'ignore', cwd: os.tmpdir() })
    fs.rmSync(root, { recursive: true, force: true })
  }
  running.push(stop)

  const psql = path.join(bin, 'psql')
  const cluster: Cluster = {
    port,
    host: '127.0.0.1',
    socketDir,
    dataDir,
    url: (db, user = 'postgres', password) =>
      `postgres://${encodeURIComponent(user)}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${port}/${encodeURIComponent(db)}`,
    sql: (db, sql) =>
      execFileSync(
        psql,
        [
          '-X',
          '-q',
          '-A',
          '-t',
          '-v',
          'ON_ERROR_STOP=1',
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          'postgres',
          '-d',
          db,
          '-f',
          '-',
        ],
        {
          input: sql,
          encoding: 'utf8',
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      ),
    stop,
  }
  cluster.sql('postgres', `CREATE ROLE ${PASSWORD_GROUP} NOLOGIN;`)
  return cluster
}

const PASSWORD_GROUP = 'cpo_password_login'

/** A role that must log in with its password (scram-sha-256), with CREATEDB. */
export function createPasswordRole(cluster: Cluster, role: string, password: string): void {
  cluster.sql(
    'postgres',
    `SET password_encryption = 'scram-sha-256';
CREATE ROLE "${role}" LOGIN CREATEDB PASSWORD '${password.replace(/'/g, "''")}' IN ROLE ${PASSWORD_GROUP};`,
  )
}
