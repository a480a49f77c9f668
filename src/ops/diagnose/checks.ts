import path from 'node:path'
import { runCaptured } from '../../adapters/command-capture.js'
import { readTextIfExists } from '../../adapters/fs.js'
import { type Repo, statePaths } from '../../adapters/repo.js'
import { verificationCommands } from '../../core/checkpoint/stage-rules.js'
import { stateProblems } from '../../core/diagnose/consistency.js'
import { filesOutsidePlan, plannedFiles } from '../../core/diagnose/drift.js'
import type { CheckKind, CheckResult, CheckStatus } from '../../core/diagnose/types.js'
import type { ProjectFile } from '../../core/project/index.js'
import { databaseOutcome } from './database.js'
import { deploymentOutcome } from './deployment.js'
import { filesChangedSince, type RepoFacts, type StageContext } from './git-facts.js'

/** What a check sees: the project, git's facts, the current stage. Read once, shared. */
export interface CheckContext {
  repo: Repo
  project: ProjectFile | undefined
  facts: RepoFacts
  stage: StageContext
}

export interface CheckOutcome {
  status: CheckStatus
  evidence: string
  outputTail?: string
  details?: unknown
}

/** One row of the check table: what it is, what it runs, how long it may take. */
export interface CheckSpec {
  id: string
  kind: CheckKind
  title: string
  /** The command line it runs, or what it reads. */
  runs: string
  timeoutMs: number
  run(ctx: CheckContext): Promise<CheckOutcome>
}

export const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000
const QUICK_MS = 30_000

const SCRIPT_CHECKS = ['typecheck', 'lint', 'test', 'build'] as const

/**
 * The check table `cpo diagnose` runs side by side: the verification commands of
 * `master-project.json` (else the package.json scripts build/typecheck/lint/test), the state
 * file against git, plan drift, the database (`db status`) and the deployment (`deploy status`
 * and its health URL).
 */
export async function checkTable(
  repo: Repo,
  project: ProjectFile | undefined,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<CheckSpec[]> {
  const commands =
    project === undefined
      ? []
      : (verificationCommands(project) as Array<{ name: string; command: string }>)
  const verification = commands.length > 0 ? commands : await packageScripts(repo)
  return [
    ...verification.map(({ name, command }) => verificationCheck(name, command, timeoutMs)),
    stateCheck,
    driftCheck,
    databaseCheck,
    deploymentCheck,
  ]
}

function verificationCheck(name: string, command: string, timeoutMs: number): CheckSpec {
  return {
    id: name,
    kind: 'verification',
    title: `${name}: ${command}`,
    runs: command,
    timeoutMs,
    run: async ({ repo }) => {
      const r = await runCaptured(repo.root, command, { timeoutMs })
      if (r.timedOut) {
        return {
          status: 'error',
          evidence: `\`${command}\` ran past ${Math.round(timeoutMs / 1000)}s and was stopped`,
          outputTail: r.outputTail,
        }
      }
      if (r.exitCode === 0) return { status: 'pass', evidence: `\`${command}\` exited 0` }
      const how = r.signal ? `was killed by ${r.signal}` : `exited ${r.exitCode}`
      return { status: 'fail', evidence: `\`${command}\` ${how}`, outputTail: r.outputTail }
    },
  }
}

const stateCheck: CheckSpec = {
  id: 'state',
  kind: 'state',
  title: 'master-project.json agrees with git',
  runs: 'master-project.json, checkpoint tags, HEAD history',
  timeoutMs: QUICK_MS,
  run: async ({ project, facts }) => {
    if (project === undefined) return { status: 'skip', evidence: 'no master-project.json' }
    const problems = stateProblems(project, facts)
    if (problems.length === 0) {
      return {
        status: 'pass',
        evidence: 'every stage and story agrees with the checkpoints on HEAD',
      }
    }
    return {
      status: 'fail',
      evidence: problems.map((p) => p.message).join('; '),
      details: problems,
    }
  },
}

const driftCheck: CheckSpec = {
  id: 'drift',
  kind: 'drift',
  title: "changed files are in the current stage's plan",
  runs: 'git diff <stage start> + untracked files',
  timeoutMs: QUICK_MS,
  run: async ({ repo, stage }) => {
    if (stage.stage === null) return { status: 'skip', evidence: 'no stage in progress' }
    const planned = plannedFiles(stage.stage)
    if (planned === undefined) {
      return { status: 'skip', evidence: `the plan of ${stage.stage.id} lists no files` }
    }
    if (stage.start === null) {
      return { status: 'skip', evidence: `no start checkpoint of ${stage.stage.id} on HEAD` }
    }
    const s = statePaths(repo)
    const changed = await filesChangedSince(repo, stage.start.commit)
    const outside = filesOutsidePlan(changed, planned, [s.project, s.progress], s.dir)
    if (outside.length === 0) {
      return { status: 'pass', evidence: `every changed file is named by ${stage.stage.id}'s plan` }
    }
    return {
      status: 'fail',
      evidence: `${outside.length} changed file(s) no story of ${stage.stage.id} names: ${outside.slice(0, 10).join(', ')}`,
      details: { outside },
    }
  },
}

const databaseCheck: CheckSpec = {
  id: 'database',
  kind: 'database',
  title: 'database reachable, migrations match the code',
  runs: 'cpo db status',
  timeoutMs: QUICK_MS,
  run: ({ repo }) => databaseOutcome(repo),
}

const deploymentCheck: CheckSpec = {
  id: 'deployment',
  kind: 'deployment',
  title: 'production deployment healthy',
  runs: 'cpo deploy status + GET healthUrl',
  timeoutMs: QUICK_MS,
  run: ({ repo }) => deploymentOutcome(repo),
}

async function packageScripts(repo: Repo): Promise<Array<{ name: string; command: string }>> {
  const text = await readTextIfExists(path.join(repo.root, 'package.json'))
  if (text === undefined) return []
  let scripts: Record<string, unknown> = {}
  try {
    scripts = (JSON.parse(text) as { scripts?: Record<string, unknown> }).scripts ?? {}
  } catch {
    return []
  }
  return SCRIPT_CHECKS.filter((n) => typeof scripts[n] === 'string').map((name) => ({
    name,
    command: `npm run ${name}`,
  }))
}

/**
 * Runs every check at once (they are independent) and reports each as it ends. A check that
 * throws is an `error`, one that runs past its timeout too: neither stops the others.
 */
export async function runChecks(
  specs: readonly CheckSpec[],
  ctx: CheckContext,
  onDone: (r: CheckResult) => void = () => {},
): Promise<CheckResult[]> {
  return Promise.all(
    specs.map(async (spec) => {
      const started = Date.now()
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<CheckOutcome>((resolve) => {
        // Verification commands stop themselves (their process group is killed); this is the
        // backstop for the others.
        timer = setTimeout(
          () => resolve({ status: 'error', evidence: `timed out after ${spec.timeoutMs} ms` }),
          spec.timeoutMs + 5000,
        )
      })
      let outcome: CheckOutcome
      try {
        outcome = await Promise.race([spec.run(ctx), timeout])
      } catch (e) {
        outcome = { status: 'error', evidence: e instanceof Error ? e.message : String(e) }
      } finally {
        clearTimeout(timer)
      }
      const result: CheckResult = {
        id: spec.id,
        kind: spec.kind,
        title: spec.title,
        ...outcome,
        durationMs: Date.now() - started,
        ...(spec.kind === 'verification' ? { command: spec.runs } : {}),
      }
      onDone(result)
      return result
    }),
  )
}
