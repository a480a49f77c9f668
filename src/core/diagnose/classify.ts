import { rowOf } from './matrix.js'
import type { CheckResult, Classification, NextStep, Symptom } from './types.js'

/** A failing check run again at a checkpoint, in a temporary work tree. */
export interface Measurement {
  check: string
  /** `checkpoint/stage-2-start`. */
  at: string
  commit: string
  status: 'pass' | 'fail' | 'error'
  exitCode: number | null
}

export interface DiagnoseFacts {
  checks: readonly CheckResult[]
  /** Given by the user with --symptom. */
  symptom?: Symptom
  /** The stage being worked on, when there is one. */
  stage: { id: string; maxAttempts: number } | null
  /** `checkpoint/stage-N-start` of the current stage, when in HEAD's history. */
  startCheckpoint: string | null
  /** The newest `stage-N-complete` in HEAD's history before the current stage. */
  previousComplete: string | null
  measured: readonly Measurement[]
  /** Files changed since the current stage's start (committed or not). */
  stageFiles: readonly string[]
  /** Stages whose status is `failed`. */
  failedStages: readonly string[]
  /** A bench script from the configuration, for performance. */
  benchCommand: string | null
}

/** After this many attempts at a story, a failing stage counts as unfixable. */
export const MAX_ATTEMPTS = 3

const q = (s: string): string => (/^[\w./@:+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

const TEST_FILE = /(^|\/)(tests?|__tests__|spec)\/|\.(test|spec)\.[cm]?[jt]sx?$/

const BUILD_CHECKS = new Set(['build', 'typecheck'])

/**
 * Picks one row of the decision matrix from what the checks found and fills in the exact
 * command and the reason. Order matters: production first (users are affected), then the
 * database, then what the code does, then the bookkeeping.
 */
export function classify(f: DiagnoseFacts): Classification {
  const failed = f.checks.filter((c) => c.status === 'fail')
  const byKind = (k: CheckResult['kind']) => failed.filter((c) => c.kind === k)
  const stage = f.stage?.id ?? null
  const rollbackStage = (reason: string): string =>
    `cpo rollback stage${stage ? ` ${stage}` : ''} --reason ${q(reason)}`

  if (f.symptom !== undefined) return fromSymptom(f, f.symptom, rollbackStage)

  const deploy = byKind('deployment')[0]
  if (deploy) {
    return make('production-5xx', [deploy.evidence], {
      command: 'cpo rollback deploy',
      why: `${deploy.evidence}: put the previous deployment back first, diagnose after`,
    })
  }
  const db = byKind('database')[0]
  // Migrations the database applied but the code no longer has (a code-only rollback): the
  // env is not the cause, the database must follow the code back.
  if (db && (db.details as { cause?: string } | undefined)?.cause === 'migrations') {
    return make('database-errors', [db.evidence], {
      command: `${rollbackStage('database does not match the code')} --with-db`,
      why: "the database has migrations the code does not: put the database back with the stage's code",
    })
  }
  if (db) {
    return make(
      'database-errors',
      [db.evidence],
      { command: 'cpo env diff', why: 'a connection error is most often a changed env var' },
      [
        {
          command: `${rollbackStage('database errors')} --with-db`,
          why: 'if the env is right: the migrations of this stage are the likely cause',
        },
      ],
    )
  }

  const verification = byKind('verification')
  const measuredOf = (id: string, at: string | null) =>
    at === null ? undefined : f.measured.find((m) => m.check === id && m.at === at)

  const build = verification.find((c) => BUILD_CHECKS.has(c.id))
  if (build) {
    const atStart = measuredOf(build.id, f.startCheckpoint)
    if (atStart?.status === 'pass') {
      return make(
        'build-fails',
        [
          `${build.id} fails now: ${build.evidence}`,
          `${build.id} passed at ${atStart.at} (${atStart.commit.slice(0, 10)}, exit 0)`,
        ],
        {
          command: rollbackStage(`${build.id} fails; it passed at ${atStart.at}`),
          why: `this stage broke the ${build.id}: it passed at ${atStart.at} and fails now`,
        },
      )
    }
  }

  const test = verification.find((c) => !BUILD_CHECKS.has(c.id)) ?? build
  if (test) {
    // A failing test of this stage's own: a test file the stage added or changed is named.
    const own = f.stageFiles.filter((p) => TEST_FILE.test(p) && (test.outputTail ?? '').includes(p))
    const previous =
      measuredOf(test.id, f.previousComplete) ?? measuredOf(test.id, f.startCheckpoint)
    const exhausted = f.stage !== null && f.stage.maxAttempts >= MAX_ATTEMPTS
    if (own.length > 0 || previous === undefined) {
      const evidence = [
        `${test.id} fails now: ${test.evidence}`,
        ...(own.length > 0
          ? [`the failures name files of the current stage: ${own.join(', ')}`]
          : []),
        ...(previous ? [`${test.id} at ${previous.at}: ${previous.status}`] : []),
        ...(f.stage ? [`most attempts at a story of ${f.stage.id}: ${f.stage.maxAttempts}`] : []),
      ]
      if (exhausted) {
        return make('tests-fail-new-stage', evidence, {
          command: rollbackStage(`${test.id} still fails after ${f.stage?.maxAttempts} attempts`),
          why: `${MAX_ATTEMPTS} or more attempts: treat it as unfixable and start the stage again`,
        })
      }
      return make(
        'tests-fail-new-stage',
        evidence,
        {
          command: test.command ?? `cpo diagnose`,
          why: "the failure is in this stage's own work: fix it, then run the check again",
        },
        [
          {
            command: rollbackStage(`${test.id} fails and cannot be fixed`),
            why: `if it stays broken (attempts reach ${MAX_ATTEMPTS})`,
          },
        ],
      )
    }
    return make(
      'tests-fail-earlier-stages',
      [
        `${test.id} fails now: ${test.evidence}`,
        previous.status === 'pass'
          ? `${test.id} passed at ${previous.at} (${previous.commit.slice(0, 10)}, exit 0)`
          : `${test.id} failed at ${previous.at} too: it broke in an earlier stage`,
        'the failures name no file of the current stage',
      ],
      {
        command: `cpo bisect --command ${q(test.command ?? test.id)}`,
        why:
          previous.status === 'pass'
            ? `${test.id} passed at ${previous.at}: bisect names the stage and story that broke it`
            : `${test.id} already failed at ${previous.at}: bisect names the stage and story that broke it`,
      },
      [
        {
          command: rollbackStage(`${test.id} broke after ${previous.at}`),
          why: 'roll back the stage bisect names (or `cpo rollback story <id>` for one story)',
        },
      ],
    )
  }

  if (f.failedStages.length >= 2) {
    return make('start-fresh', [`stages marked failed: ${f.failedStages.join(', ')}`], {
      command: "cpo rollback project --reason 'several stages failed'",
      why: 'several stages failed: start the execution again from the plan',
    })
  }

  const state = f.checks.find((c) => c.kind === 'state' && c.status === 'fail')
  if (state) {
    return make('state-inconsistent', [state.evidence], {
      command: 'cpo state repair',
      why: 'master-project.json claims what git does not show; repair sets it to what git shows',
    })
  }

  const drift = byKind('drift')[0]
  if (drift) {
    return make(
      'scope-drift',
      [drift.evidence],
      {
        command: rollbackStage('scope drift: files outside the plan'),
        why: 'the stage changed files no story of it names',
      },
      [
        {
          command: 'update the plan in master-project.json',
          why: 'so the next attempt stays in scope',
        },
      ],
    )
  }

  const errors = f.checks.filter((c) => c.status === 'error')
  return {
    symptom: 'healthy',
    title: errors.length > 0 ? 'no failing check (some could not run)' : 'everything passes',
    evidence: [
      ...f.checks.filter((c) => c.status === 'pass').map((c) => `${c.id}: ${c.evidence}`),
      ...errors.map((c) => `${c.id} could not run: ${c.evidence}`),
    ],
    next: stage
      ? {
          command: `cpo stage complete ${stage}`,
          why: 'every check passes: the stage can be completed',
        }
      : null,
    afterwards: [],
  }
}

function fromSymptom(
  f: DiagnoseFacts,
  symptom: Symptom,
  rollbackStage: (reason: string) => string,
): Classification {
  const given = [`--symptom ${symptom} given`]
  const failing = f.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.evidence}`)
  const evidence = [...given, ...failing]
  switch (symptom) {
    case 'replan':
      return make(symptom, evidence, {
        command: "cpo rollback phase 2 --reason 'major replanning'",
        why: 'a new plan starts from the end of planning (phase 2)',
      })
    case 'start-fresh':
      return make(symptom, evidence, {
        command: "cpo rollback project --reason 'start fresh'",
        why: 'back to the end of planning, or the project start when there is none',
      })
    case 'performance':
      return make(
        symptom,
        evidence,
        {
          command: f.benchCommand ?? 'profile the slow path (no bench script configured)',
          why: 'measure first: a rollback only helps when this stage made it slower',
        },
        [{ command: rollbackStage('performance degradation'), why: 'if the regression is severe' }],
      )
    case 'production-5xx':
      return make(symptom, evidence, {
        command: 'cpo rollback deploy',
        why: 'users see errors: put the previous deployment back first, diagnose after',
      })
    case 'database-errors':
      return make(
        symptom,
        evidence,
        { command: 'cpo env diff', why: 'a connection error is most often a changed env var' },
        [{ command: `${rollbackStage('database errors')} --with-db`, why: 'if the env is right' }],
      )
    case 'state-inconsistent':
      return make(symptom, evidence, {
        command: 'cpo state repair',
        why: 'sets master-project.json to what git shows',
      })
    case 'tests-fail-earlier-stages':
      return make(symptom, evidence, {
        command: 'cpo bisect',
        why: 'bisect names the stage and the story that broke it',
      })
    default:
      return make(symptom, evidence, {
        command: rollbackStage(rowOf(symptom).title),
        why: rowOf(symptom).recommendation,
      })
  }
}

function make(
  symptom: Symptom,
  evidence: string[],
  next: NextStep,
  afterwards: NextStep[] = [],
): Classification {
  return { symptom, title: rowOf(symptom).title, evidence, next, afterwards }
}
