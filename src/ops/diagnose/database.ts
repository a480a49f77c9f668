import type { Repo } from '../../adapters/repo.js'
import { dbStatus } from '../db/inspect.js'
import type { CheckOutcome } from './checks.js'

/**
 * Problems that mean the database does not match the code: a migration the database applied
 * that the tree no longer has (a code-only rollback), one that failed half-way, or one edited
 * after it ran. `pending` is normal mid-stage (not applied yet) and is only mentioned.
 */
const MISMATCH = new Set(['applied-but-missing', 'failed', 'edited'])

/** Why the database check failed, so the matrix can tell a connection from a migration. */
export type DatabaseCause = 'unreachable' | 'migrations'

/**
 * The database row of diagnose, `cpo check` and the rollback checklist: `cpo db status`'s
 * reachability and migration truth (README.md, "Databases").
 */
export async function databaseOutcome(repo: Repo): Promise<CheckOutcome> {
  const r = await dbStatus(repo)
  if (r.found.database === undefined || r.probe === undefined) {
    return {
      status: 'skip',
      evidence: r.found.missing.length > 0 ? r.found.missing.join('; ') : 'no database found',
    }
  }
  const name = `${r.found.engine?.value ?? 'database'} ${r.found.database}`
  if (!r.probe.reachable) {
    const p = r.probe.problem
    return {
      status: 'fail',
      evidence: `${name} is not reachable: ${p?.message ?? 'no answer'}`,
      details: { cause: 'unreachable' satisfies DatabaseCause, problem: p ?? null },
    }
  }
  const m = r.migrations
  if (m === undefined) return { status: 'pass', evidence: `${name} is reachable (no migrations)` }
  const wrong = m.problems.filter((p) => MISMATCH.has(p.kind))
  if (wrong.length > 0) {
    return {
      status: 'fail',
      evidence: wrong.map((p) => `${p.kind}: ${p.message}`).join('; '),
      details: { cause: 'migrations' satisfies DatabaseCause, problems: wrong },
    }
  }
  const pending = m.problems.filter((p) => p.kind === 'pending')
  return {
    status: 'pass',
    evidence:
      pending.length === 0
        ? `${name} is reachable; its ${m.applied.length} applied migration(s) match the tree`
        : `${name} is reachable; ${pending.length} migration(s) not applied yet`,
  }
}
