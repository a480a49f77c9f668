import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { Repo } from '../adapters/repo.js'
import { type StateProblem, stateProblems } from '../core/diagnose/consistency.js'
import { repairState } from '../core/diagnose/repair.js'
import type { CheckResult } from '../core/diagnose/types.js'
import { databaseOutcome } from './diagnose/database.js'
import { readStateFacts } from './diagnose/git-facts.js'
import { readProjectDocument } from './project-file.js'

export interface CheckReport {
  consistent: boolean
  checks: CheckResult[]
  problems: StateProblem[]
  /** The command that makes the state file agree, and what it would change; null when nothing. */
  repair: {
    command: string
    stages: Array<{ id: string; from: string; to: string }>
    stories: Array<{ id: string; stage: string; from: boolean; to: boolean }>
  } | null
}

/**
 * `cpo check`: the after-rollback checks on demand — the state file against git (the same
 * checks as diagnose), dependencies against the lockfile, the database against the code
 * (`cpo db status`). Reads only.
 */
export async function checkProject(repo: Repo): Promise<CheckReport> {
  const started = Date.now()
  const doc = await readProjectDocument(repo)
  const problems =
    doc === undefined ? [] : stateProblems(doc.data, await readStateFacts(repo, doc.data))
  const state: CheckResult = {
    id: 'state',
    kind: 'state',
    title: 'master-project.json agrees with git',
    status: doc === undefined ? 'skip' : problems.length === 0 ? 'pass' : 'fail',
    evidence:
      doc === undefined
        ? 'no master-project.json'
        : problems.length === 0
          ? 'every stage and story agrees with the checkpoints on HEAD'
          : problems.map((p) => p.message).join('; '),
    durationMs: Date.now() - started,
    ...(problems.length > 0 ? { details: problems } : {}),
  }
  const checks = await Promise.all([state, dependenciesCheck(repo), databaseCheck(repo)])
  const repaired = doc === undefined || problems.length === 0 ? null : repairState(doc, problems)
  return {
    consistent: checks.every((c) => c.status !== 'fail'),
    checks,
    problems,
    repair: repaired && {
      command: 'cpo state repair',
      stages: repaired.stages,
      stories: repaired.stories,
    },
  }
}

/**
 * npm keeps a copy of the lockfile it installed from in `node_modules/.package-lock.json`; a
 * lockfile newer than that copy means the install did not follow a change (a manual reset).
 */
async function dependenciesCheck(repo: Repo): Promise<CheckResult> {
  const base = {
    id: 'dependencies',
    kind: 'verification' as const,
    title: 'dependencies match the lockfile',
    durationMs: 0,
  }
  const [lock, installed] = await Promise.all([
    fsp.stat(path.join(repo.root, 'package-lock.json')).catch(() => undefined),
    fsp.stat(path.join(repo.root, 'node_modules', '.package-lock.json')).catch(() => undefined),
  ])
  if (!lock || !installed) {
    return { ...base, status: 'skip', evidence: 'no npm lockfile with an installed node_modules' }
  }
  if (lock.mtimeMs > installed.mtimeMs) {
    return {
      ...base,
      status: 'fail',
      evidence: 'package-lock.json changed after the last install: run `npm ci`',
    }
  }
  return { ...base, status: 'pass', evidence: 'node_modules was installed from this lockfile' }
}

async function databaseCheck(repo: Repo): Promise<CheckResult> {
  const started = Date.now()
  const outcome = await databaseOutcome(repo).catch((e: Error) => ({
    status: 'error' as const,
    evidence: e.message,
  }))
  return {
    id: 'database',
    kind: 'database',
    title: 'database state matches the code',
    ...outcome,
    durationMs: Date.now() - started,
  }
}
