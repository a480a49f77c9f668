import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { loadEngine } from '../../adapters/db/engines.js'
import type { DbProbe } from '../../adapters/db/types.js'
import type { Repo } from '../../adapters/repo.js'
import { checkpointName } from '../../core/checkpoint/names.js'
import type { MigrationComparison } from '../../core/db/migrations.js'
import { unifiedDiff } from '../../core/db/schema-diff.js'
import { CpoError } from '../../errors.js'
import {
  type LocatedDb,
  type LocateOptions,
  locateDatabase,
  missingDatabase,
  requireDatabase,
} from './locate.js'
import { migrationTruth } from './migration-truth.js'
import {
  checkpointsDir,
  type DbCheckpointMeta,
  listDbCheckpoints,
  requireDbCheckpoint,
} from './store.js'

export interface DbStatusReport {
  found: Omit<LocatedDb, 'location' | 'locator'> & { database?: string; local?: boolean }
  probe?: DbProbe
  migrations?: MigrationComparison
  checkpoints: number
  /** No database found: what was looked for and where, and the command to run next. */
  problem?: { code: string; message: string; hint: string }
}

/** `cpo db status`: what cpo found and where each fact came from, or exactly what is missing. */
export async function dbStatus(repo: Repo, options: LocateOptions = {}): Promise<DbStatusReport> {
  const found = await locateDatabase(repo, options)
  const { location, locator: _locator, ...facts } = found
  const checkpoints = await listDbCheckpoints(repo)
  const report: DbStatusReport = {
    found: { ...facts, ...(location ? { database: location.name, local: location.local } : {}) },
    checkpoints: checkpoints.length,
  }
  if (!location) {
    const e = await missingDatabase(repo, found, options)
    report.problem = { code: e.code, message: e.message, hint: e.hint ?? '' }
    return report
  }
  const engine = await loadEngine(location.engine).catch((e: CpoError) => {
    report.probe = {
      reachable: false,
      problem: { code: e.code, message: e.message, hint: e.hint ?? '' },
      tools: [],
    }
    return undefined
  })
  if (!engine) return report
  report.probe = await engine.probe(location)
  if (report.probe.reachable && found.migrations && found.migrations.layout !== 'none') {
    const truth = await migrationTruth(repo.root, engine, location, found.migrations)
    const fit = restoreFitting(checkpoints, truth.files)
    report.migrations = fit
      ? await migrationTruth(repo.root, engine, location, found.migrations, {
          restore: `cpo db restore ${fit}`,
        })
      : truth
  }
  return report
}

/**
 * The newest database checkpoint whose applied migrations are all in the tree: restoring it
 * brings the database back to what the code knows.
 */
function restoreFitting(checkpoints: DbCheckpointMeta[], files: string[]): string | undefined {
  const inTree = new Set(files)
  return checkpoints.filter((c) => c.migrations.every((m) => inTree.has(m))).at(-1)?.checkpoint
}

export interface DbListEntry {
  checkpoint: string
  time: string
  engine: string
  database: string
  strategy: string
  location: string
  bytes: number | null
  migrations: string[]
  /** The copy's file (or template database, not checked here) is present. */
  present: boolean
}

/** `cpo db list`: database checkpoints from their metadata; no server needed. */
export async function dbList(repo: Repo): Promise<DbListEntry[]> {
  const metas = await listDbCheckpoints(repo)
  return Promise.all(
    metas.map(async (m) => ({
      checkpoint: m.checkpoint,
      time: m.time,
      engine: m.engine,
      database:
        m.engine === 'sqlite' ? path.relative(repo.root, m.database) || m.database : m.database,
      strategy: m.strategy,
      location: m.location,
      bytes: m.bytes ?? null,
      migrations: m.migrations,
      present:
        m.strategy === 'template' ||
        (await fsp.stat(path.resolve(repo.root, m.location)).then(
          (s) => s.isFile(),
          () => false,
        )),
    })),
  )
}

export interface DbDiffReport {
  from: string
  to: string
  same: boolean
  diff: string
}

/** `cpo db diff <a> [b|live]`: a unified diff of the deterministic schema texts. */
export async function dbDiff(
  repo: Repo,
  a: string,
  b = 'live',
  options: LocateOptions = {},
): Promise<DbDiffReport> {
  const [left, right] = await Promise.all([schemaOf(repo, a, options), schemaOf(repo, b, options)])
  const diff = unifiedDiff(left, right, [a, b])
  return { from: a, to: b, same: diff === '', diff }
}

async function schemaOf(repo: Repo, which: string, options: LocateOptions): Promise<string> {
  if (which === 'live') {
    const found = await requireDatabase(repo, options)
    return (await loadEngine(found.location.engine)).schema(found.location)
  }
  const meta = await requireDbCheckpoint(repo, checkpointName(which))
  const text = await fsp
    .readFile(path.join(checkpointsDir(repo), meta.schemaFile), 'utf8')
    .catch(() => undefined)
  if (text === undefined) {
    throw new CpoError(
      'DB_SCHEMA_MISSING',
      'notFound',
      `the schema sidecar of ${which} (${meta.schemaFile}) is gone`,
      {
        hint: 'Compare other checkpoints (`cpo db list`).',
      },
    )
  }
  return text
}
