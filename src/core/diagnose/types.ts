export type CheckStatus = 'pass' | 'fail' | 'skip' | 'error'
export type CheckKind = 'verification' | 'state' | 'drift' | 'database' | 'deployment'

/** One check's outcome, as diagnose and check report it. */
export interface CheckResult {
  id: string
  kind: CheckKind
  title: string
  status: CheckStatus
  /** One sentence saying what was seen (the exit code, the problem, why it was skipped). */
  evidence: string
  durationMs: number
  command?: string
  /** The command's last output lines, for a failed verification. */
  outputTail?: string
  /** Per-check data: the state problems, the files outside the plan. */
  details?: unknown
}

export const SYMPTOMS = [
  'build-fails',
  'tests-fail-new-stage',
  'tests-fail-earlier-stages',
  'production-5xx',
  'database-errors',
  'performance',
  'scope-drift',
  'replan',
  'start-fresh',
  'state-inconsistent',
] as const

export type Symptom = (typeof SYMPTOMS)[number]

export interface NextStep {
  command: string
  why: string
}

export interface Classification {
  symptom: Symptom | 'healthy'
  title: string
  /** What was measured that led here. */
  evidence: string[]
  next: NextStep | null
  /** What to do after `next`, in order. */
  afterwards: NextStep[]
}
