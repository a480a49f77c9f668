import type { Repo } from '../../adapters/repo.js'
import { removeLeftoverWorktrees } from '../../adapters/temp-worktree.js'
import { classify, type Measurement } from '../../core/diagnose/classify.js'
import { MATRIX, SYMPTOM_ALIASES } from '../../core/diagnose/matrix.js'
import {
  type CheckResult,
  type Classification,
  type NextStep,
  SYMPTOMS,
  type Symptom,
} from '../../core/diagnose/types.js'
import { type ProjectFile, stagesOf } from '../../core/project/index.js'
import { CpoError } from '../../errors.js'
import { readProjectDocument } from '../project-file.js'
import { runAtCommit } from './at-commit.js'
import { type CheckContext, type CheckSpec, checkTable, runChecks } from './checks.js'
import { filesChangedSince, readRepoFacts, stageContext } from './git-facts.js'
import { writeLastFailure } from './run-cache.js'

export interface DiagnoseOptions {
  symptom?: string
  timeoutMs?: number
  /** Called when the checks start and as each one ends (the CLI's progress display). */
  onStart?: (specs: readonly CheckSpec[]) => void
  onCheck?: (result: CheckResult) => void
  onMeasure?: (what: string) => void
}

export interface DiagnoseReport {
  checks: CheckResult[]
  stage: { id: string; start: string | null; previousComplete: string | null } | null
  /** Failing checks run again at checkpoints, in temporary work trees. */
  measured: Array<Measurement & { cached: boolean; dependencies: string; outputTail: string }>
  classification: Classification
  next: NextStep | null
}

/**
 * `cpo diagnose`: runs the check table side by side, measures whether a failing verification
 * passed at the stage's start (and at the previous stage's completion) in temporary work trees,
 * and picks one row of the decision matrix with the exact command to run next.
 */
export async function diagnose(repo: Repo, options: DiagnoseOptions = {}): Promise<DiagnoseReport> {
  const symptom = options.symptom === undefined ? undefined : parseSymptom(options.symptom)
  await removeLeftoverWorktrees(repo)
  const doc = await readProjectDocument(repo)
  const project: ProjectFile | undefined = doc?.data
  const [facts, specs] = await Promise.all([
    readRepoFacts(repo, project),
    checkTable(repo, project, options.timeoutMs),
  ])
  const stage = stageContext(project, facts)
  const ctx: CheckContext = { repo, project, facts, stage }
  options.onStart?.(specs)
  const [checks, stageFiles] = await Promise.all([
    runChecks(specs, ctx, options.onCheck),
    stage.start === null ? Promise.resolve([]) : filesChangedSince(repo, stage.start.commit),
  ])

  const failing = checks.filter((c) => c.kind === 'verification' && c.status === 'fail')
  const firstFailing = failing[0]
  if (firstFailing?.command !== undefined) {
    await writeLastFailure(repo, {
      name: firstFailing.id,
      command: firstFailing.command,
      commit: facts.head,
      from: 'diagnose',
      ...(firstFailing.outputTail === undefined ? {} : { outputTail: firstFailing.outputTail }),
    })
  }
  // Measured, not assumed: each failing check at the checkpoints it is compared with.
  const points = [stage.start, stage.previousComplete].filter((c) => c !== null)
  const measured = await Promise.all(
    failing.flatMap((check) =>
      points.map(async (point) => {
        options.onMeasure?.(`${check.id} at checkpoint/${point.name}`)
        const r = await runAtCommit(repo, point.commit, check.command as string, {
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        })
        return {
          check: check.id,
          at: `checkpoint/${point.name}`,
          commit: point.commit,
          status: r.timedOut
            ? ('error' as const)
            : r.exitCode === 0
              ? ('pass' as const)
              : ('fail' as const),
          exitCode: r.exitCode,
          cached: r.cached,
          dependencies: r.dependencies,
          outputTail: r.outputTail,
        }
      }),
    ),
  )
  const current = stage.stage
  const classification = classify({
    checks,
    ...(symptom === undefined ? {} : { symptom }),
    stage:
      current === null
        ? null
        : {
            id: current.id,
            maxAttempts: Math.max(
              0,
              ...(current.stories ?? []).map((s) => Number(s.attempts) || 0),
            ),
          },
    startCheckpoint: stage.start ? `checkpoint/${stage.start.name}` : null,
    previousComplete: stage.previousComplete ? `checkpoint/${stage.previousComplete.name}` : null,
    measured,
    stageFiles,
    failedStages: stagesOf(project ?? {})
      .filter((s) => s.status === 'failed')
      .map((s) => s.id),
    benchCommand: benchCommand(project),
  })
  return {
    checks,
    stage:
      current === null
        ? null
        : {
            id: current.id,
            start: stage.start ? `checkpoint/${stage.start.name}` : null,
            previousComplete: stage.previousComplete
              ? `checkpoint/${stage.previousComplete.name}`
              : null,
          },
    measured,
    classification,
    next: classification.next,
  }
}

function benchCommand(project: ProjectFile | undefined): string | null {
  const v = (project?.verification ?? {}) as Record<string, unknown>
  return typeof v.bench === 'string' && v.bench.trim() !== '' ? v.bench : null
}

export function parseSymptom(input: string): Symptom {
  const s = input.trim().toLowerCase()
  if ((SYMPTOMS as readonly string[]).includes(s)) return s as Symptom
  const alias = SYMPTOM_ALIASES[s]
  if (alias !== undefined) return alias
  throw new CpoError('UNKNOWN_SYMPTOM', 'usage', `unknown symptom ${JSON.stringify(input)}`, {
    hint: `Use one of: ${MATRIX.map((r) => r.symptom).join(', ')} (e.g. \`cpo diagnose --symptom replan\`).`,
  })
}
