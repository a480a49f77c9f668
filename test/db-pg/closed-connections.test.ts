import { beforeAll, describe, expect, it } from 'vitest'
import { createPostgresEngine, postgresLocation } from '../../src/adapters/db/postgres.js'
import { type Cluster, startCluster } from '../helpers/postgres.js'
import { cpo, makeRepo } from '../helpers/repo.js'
import { contentOf, databases, makeAppDb } from './fixture.js'

/**
 * A database its owner closed to connections (`ALLOW_CONNECTIONS false`, e.g. for maintenance)
 * before cpo ran stays closed: cpo reopens only what it closed itself, by the database's oid
 * (names move during a swap), in the step itself and in `cpo recover` after a crash.
 */
let cluster: Cluster
const engine = createPostgresEngine()

beforeAll(async () => {
  cluster = await startCluster()
  makeAppDb(cluster, 'fixture')
})

const allows = (db: string) =>
  cluster.sql('postgres', `SELECT datallowconn FROM pg_database WHERE datname = '${db}';`).trim()
const oidOf = (db: string) =>
  cluster.sql('postgres', `SELECT oid FROM pg_database WHERE datname = '${db}';`).trim()
const byOid = (oid: string) =>
  cluster
    .sql('postgres', `SELECT datname || ' ' || datallowconn FROM pg_database WHERE oid = ${oid};`)
    .trim()
const close = (db: string) =>
  cluster.sql('postgres', `ALTER DATABASE "${db}" WITH ALLOW_CONNECTIONS false;`)

describe('a database closed to connections before cpo ran', () => {
  it('stays closed through a swap and a swap back that end sessions', async () => {
    cluster.sql('postgres', 'CREATE DATABASE app1 TEMPLATE fixture;')
    cluster.sql('postgres', 'CREATE DATABASE app1__cpo_new_1 TEMPLATE fixture;')
    close('app1')
    const db = postgresLocation(cluster.url('app1'))

    await engine.swap(db, 'app1__cpo_new_1', 'app1__cpo_before_1', { terminateConnections: true })
    expect(allows('app1__cpo_before_1')).toBe('f')
    expect(allows('app1')).toBe('t')

    await engine.swap(db, 'app1__cpo_before_1', 'app1__cpo_undone_1', {
      terminateConnections: true,
    })
    expect(allows('app1')).toBe('f')
    expect(allows('app1__cpo_undone_1')).toBe('t')
  })

  /** A project restored to a checkpoint, its restored live database then closed by its owner. */
  function restoredThenClosed(name: string) {
    cluster.sql('postgres', `CREATE DATABASE ${name} TEMPLATE fixture;`)
    const dir = makeRepo()
    const env = { DATABASE_URL: cluster.url(name) }
    const cp = cpo(dir, ['db', 'checkpoint', 'cp', '--strategy', 'template', '--json'], env)
    if (!cp.json.ok) throw new Error(`db checkpoint failed: ${cp.stdout}${cp.stderr}`)
    cluster.sql(name, "INSERT INTO users (email) VALUES ('after-the-checkpoint@example.com');")
    const restored = cpo(dir, ['db', 'restore', 'cp', '--json'], env)
    if (!restored.json.ok) throw new Error(`db restore failed: ${restored.stdout}`)
    const closedOid = oidOf(name)
    const content = contentOf(cluster, name)
    close(name)
    return { dir, env, closedOid, content }
  }

  it('cpo undo of a restore swaps back and leaves the closed one closed', () => {
    const { dir, env, closedOid } = restoredThenClosed('app2')
    const undo = cpo(dir, ['undo', '--yes', '--json'], env)
    expect(undo.json.ok, undo.stdout + undo.stderr).toBe(true)
    expect(allows('app2')).toBe('t')
    expect(byOid(closedOid)).toMatch(/^app2__cpo_undone_\S+ false$/)
  })

  it('killed mid-undo (db-swapped-live), then cpo recover: every name is back, the closed one still closed', () => {
    const { dir, env, closedOid } = restoredThenClosed('app3')
    const before = databases(cluster).filter((n) => n.startsWith('app3'))
    const crashed = cpo(dir, ['undo', '--yes'], { ...env, CPO_FAULT: 'db-swapped-live' })
    expect(crashed.signal).toBe('SIGKILL')
    const rec = cpo(dir, ['recover', '--json'], env)
    expect(rec.json.ok, rec.stdout + rec.stderr).toBe(true)
    // As the restore had left it: the restored database live (and closed, as its owner left it),
    // the database it replaced kept and open.
    expect(databases(cluster).filter((n) => n.startsWith('app3'))).toEqual(before)
    expect(byOid(closedOid)).toBe('app3 false')
    for (const n of before.filter((n) => n !== 'app3')) expect(allows(n), n).toBe('t')
  })
})
