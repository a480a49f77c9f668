import type { Symptom } from './types.js'

/** One row of the decision matrix (README.md, "cpo diagnose"). */
export interface MatrixRow {
  symptom: Symptom
  title: string
  detectedBy: string
  recommendation: string
}

/**
 * The decision matrix as data: what each symptom looks like and what to do about it. `classify`
 * picks the row and fills in the exact commands; `cpo diagnose --symptom <kind>` takes these
 * symptom names (and the short aliases below).
 */
export const MATRIX: readonly MatrixRow[] = [
  {
    symptom: 'build-fails',
    title: 'build fails after a stage',
    detectedBy: "build/typecheck fails now, passed at the stage's start checkpoint",
    recommendation: 'cpo rollback stage',
  },
  {
    symptom: 'tests-fail-new-stage',
    title: 'tests fail in the new stage',
    detectedBy: "failing tests belong to the current stage's files",
    recommendation: 'fix first; cpo rollback stage if unfixable (attempt count)',
  },
  {
    symptom: 'tests-fail-earlier-stages',
    title: 'tests fail in earlier stages',
    detectedBy: 'failing tests passed at the previous stage-N-complete',
    recommendation: 'cpo bisect to find the story, then cpo rollback stage (or rollback story)',
  },
  {
    symptom: 'production-5xx',
    title: 'production 5xx',
    detectedBy: 'health URL fails / platform reports errors',
    recommendation: 'cpo rollback deploy immediately',
  },
  {
    symptom: 'database-errors',
    title: 'database connection errors',
    detectedBy: 'connection refused/auth failed, or migrations applied-but-missing',
    recommendation: 'check env (cpo env diff), then cpo rollback stage --with-db',
  },
  {
    symptom: 'performance',
    title: 'performance degradation',
    detectedBy: '--symptom performance (or a bench script named in config)',
    recommendation: 'profile first; cpo rollback stage if severe',
  },
  {
    symptom: 'scope-drift',
    title: 'scope drift',
    detectedBy: 'changed files outside the plan',
    recommendation: 'cpo rollback stage + update the plan',
  },
  {
    symptom: 'replan',
    title: 'major replanning',
    detectedBy: '--symptom replan',
    recommendation: 'cpo rollback phase 2',
  },
  {
    symptom: 'start-fresh',
    title: 'start fresh',
    detectedBy: 'several stages failed / attempts exhausted',
    recommendation: 'cpo rollback project',
  },
  {
    symptom: 'state-inconsistent',
    title: 'state file disagrees with git',
    detectedBy:
      'stages done without their checkpoints, in progress without a start, reverted stories passing',
    recommendation: 'cpo state repair',
  },
]

/** What users type for `--symptom`. */
export const SYMPTOM_ALIASES: Readonly<Record<string, Symptom>> = {
  build: 'build-fails',
  tests: 'tests-fail-new-stage',
  'earlier-tests': 'tests-fail-earlier-stages',
  regression: 'tests-fail-earlier-stages',
  '5xx': 'production-5xx',
  production: 'production-5xx',
  database: 'database-errors',
  db: 'database-errors',
  perf: 'performance',
  slow: 'performance',
  drift: 'scope-drift',
  scope: 'scope-drift',
  fresh: 'start-fresh',
  state: 'state-inconsistent',
}

export const rowOf = (symptom: Symptom): MatrixRow =>
  MATRIX.find((r) => r.symptom === symptom) as MatrixRow
