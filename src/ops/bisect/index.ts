import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { runCaptured } from '../../adapters/command-capture.js'
import { git, splitZ } from '../../adapters/git.js'
import type { Repo } from '../../adapters/repo.js'
import {
  addTempWorktree,
  checkoutIn,
  linkDependencies,
  removeLeftoverWorktrees,
  type TempWorktree,
  worktreeGitDir,
} from '../../adapters/temp-worktree.js'
import { parseCommitMessage } from '../../core/checkpoint/infer.js'
import { checkpointName } from '../../core/checkpoint/names.js'
import { verificationCommands } from '../../core/checkpoint/stage-rules.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import { type ProjectFile, stageNumber, stagesOf } from '../../core/project/index.js'
import { CpoError } from '../../errors.js'
import { readRepoFacts } from '../diagnose/git-facts.js'
import { readCachedRun, readLastFailure, writeCachedRun } from '../diagnose/run-cache.js'
import { readProjectDocument } from '../project-file.js'
import { BISECT_SCRIPT } from './script.js'

export interface BisectOptions {
  command?: string
  from?: string
  to?: string
  onProgress?: (line: string) => void
}

export interface Probe {
  checkpoint: string
  commit: string
  result: 'good' | 'bad' | 'skip'
  exitCode: number | null
  cached: boolean
}

export interface BisectReport {
  command: string
  commandFrom: 'option' | 'last diagnose' | 'last stage complete'
  from: { name: string; commit: string }
  to: { name: string; commit: string }
  probes: Probe[]
  /** The last checkpoint where the command passes and the first where it fails. */
  lastGood: { name: string; commit: string }
  firstBad: { name: string; commit: string }
  stage: { id: string | null; number: string } | null
  story: string | null
  commit: { sha: string; subject: string }
  files: string[]
  exitCode: number | null
  outputTail: string
  /** Commits git bisect could not test (they do not build). */
  skipped: string[]
}

const SKIP = 125
const stageKinds = new Set([
  'stage-start',
  'stage-complete',
  'phase-complete',
  'project-initialized',
])

/**
 * `cpo bisect`: first the stage checkpoint at which the command starts failing (a binary search
 * over the checkpoint commits on HEAD's history), then the first commit inside that range with
 * `git bisect run`. Everything runs in one temporary detached work tree: the user's tree, index
 * and refs are never touched (git keeps a linked work tree's bisect state and refs/bisect/ to
 * itself). The work tree is removed at the end, on SIGINT/SIGTERM/SIGHUP, and — after a SIGKILL —
 * by the next diagnose, bisect or `cpo recover`.
 */
export async function bisect(repo: Repo, options: BisectOptions = {}): Promise<BisectReport> {
  const say = options.onProgress ?? (() => {})
  await removeLeftoverWorktrees(repo)
  const project = (await readProjectDocument(repo))?.data
  const { command, commandFrom } = await commandOf(repo, options.command)
  const build = buildCommand(project, command)
  const facts = await readRepoFacts(repo, project)
  const depth = (c: string) => facts.depth.get(c) ?? Number.POSITIVE_INFINITY
  const points = uniqueByCommit(
    facts.checkpoints
      .filter((c) => stageKinds.has(c.kind) && facts.inHistory.has(c.commit))
      .sort((a, b) => depth(b.commit) - depth(a.commit)),
  )
  const from =
    options.from === undefined ? points[0] : pick(points, options.from, facts.checkpoints)
  if (from === undefined) {
    throw new CpoError(
      'NO_CHECKPOINTS',
      'notFound',
      "no stage checkpoint on HEAD's history to bisect over",
      {
        hint: 'Bisect needs checkpoints (`cpo checkpoint list`); start stages with `cpo stage start`.',
      },
    )
  }
  const to =
    options.to === undefined
      ? { name: 'HEAD', commit: facts.head }
      : pick(points, options.to, facts.checkpoints)
  if (depth(to.commit) >= depth(from.commit)) {
    throw new CpoError(
      'BISECT_RANGE',
      'usage',
      `${to.name} is not newer than ${from.name} on HEAD's history`,
      {
        hint: 'Give --from an older checkpoint than --to (see `cpo checkpoint list`).',
      },
    )
  }
  const range = [
    from,
    ...points.filter(
      (p) => depth(p.commit) < depth(from.commit) && depth(p.commit) > depth(to.commit),
    ),
    to,
  ]

  const wt = await addTempWorktree(repo, to.commit, `bisect ${command}`)
  const onSignal = (signal: NodeJS.Signals) => {
    wt.removeSync()
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15))
  }
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const s of signals) process.on(s, onSignal)
  try {
    const probes: Probe[] = []
    const probe = async (p: { name: string; commit: string }): Promise<Probe> => {
      say(`testing ${p.name} (${p.commit.slice(0, 10)})…`)
      const r = await runAt(repo, wt, p.commit, command, build)
      const result: Probe = {
        checkpoint: p.name,
        commit: p.commit,
        result: r.exitCode === 0 ? 'good' : r.exitCode === SKIP ? 'skip' : 'bad',
        exitCode: r.exitCode,
        cached: r.cached,
      }
      probes.push(result)
      return result
    }
    const last = await probe(to)
    if (last.result !== 'bad') {
      throw new CpoError(
        'BISECT_NOTHING_FAILS',
        'conflict',
        `\`${command}\` ${last.result === 'good' ? 'passes' : 'cannot run (exit 125)'} at ${to.name}: nothing to bisect`,
        { hint: 'Give the failing command with --command, or a failing checkpoint with --to.' },
      )
    }
    // Only checkpoints that can be tested stay in the range.
    const live = [...range]
    let hi = live.length - 1
    let lo: number
    if (options.from !== undefined) {
      const first = await probe(from)
      if (first.result !== 'good') throw noGoodStart(command, from.name, first.result)
      lo = 0
    } else {
      // No --from: gallop back from the failing end (1, 2, 4, … checkpoints) to a passing one,
      // since the oldest checkpoints often predate the command (no tests yet).
      let step = 1
      let found: number | undefined
      let at = hi - 1
      while (found === undefined && at >= 0) {
        const r = await probe(live[at] as (typeof live)[number])
        if (r.result === 'good') found = at
        else if (r.result === 'bad') {
          hi = at
          step *= 2
          at = hi === 0 ? -1 : Math.max(0, hi - step)
        } else {
          live.splice(at, 1)
          hi -= 1
          at -= 1
        }
      }
      if (found === undefined) throw noGoodStart(command, (live[0] ?? from).name, 'bad')
      lo = found
    }
    // Binary search over the checkpoints left between the two; one that cannot build drops out.
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      const r = await probe(live[mid] as (typeof live)[number])
      if (r.result === 'good') lo = mid
      else if (r.result === 'bad') hi = mid
      else {
        live.splice(mid, 1)
        hi -= 1
      }
    }
    const lastGood = live[lo] as { name: string; commit: string }
    const firstBad = live[hi] as { name: string; commit: string }
    say(`first failing checkpoint: ${firstBad.name}; bisecting the commits since ${lastGood.name}…`)
    const found = await bisectCommits(repo, wt, lastGood.commit, firstBad.commit, command, build)
    const subject = (
      await git(repo.root, ['log', '-1', '--format=%s', found.commit, '--'])
    ).stdout.trim()
    const files = await filesOf(repo, found.commit)
    const marker = parseCommitMessage(subject)
    const inferredStory = facts.checkpoints.find(
      (c) => c.kind === 'story' && c.commit === found.commit,
    )
    const checkpointOf = facts.checkpoints.find((c) => c.commit === firstBad.commit)
    const number =
      marker?.stageNumber ?? inferredStory?.stage?.number ?? checkpointOf?.stage?.number ?? null
    return {
      command,
      commandFrom,
      from: { name: from.name, commit: from.commit },
      to: { name: to.name, commit: to.commit },
      probes,
      lastGood: { name: lastGood.name, commit: lastGood.commit },
      firstBad: { name: firstBad.name, commit: firstBad.commit },
      stage: number === null ? null : { id: stageIdOf(project, number), number },
      story: storyOf(project, marker?.story ?? null, number),
      commit: { sha: found.commit, subject },
      files,
      exitCode: found.exitCode,
      outputTail: found.outputTail,
      skipped: found.skipped,
    }
  } finally {
    for (const s of signals) process.off(s, onSignal)
    await wt.remove()
  }
}

function noGoodStart(command: string, name: string, result: Probe['result']): CpoError {
  return new CpoError(
    'BISECT_NO_GOOD_START',
    'conflict',
    `\`${command}\` ${result === 'bad' ? 'fails' : 'cannot run'} already at ${name}: no passing checkpoint to start from`,
    { hint: 'Give an older checkpoint where it passes with --from (see `cpo checkpoint list`).' },
  )
}

async function commandOf(
  repo: Repo,
  given: string | undefined,
): Promise<{ command: string; commandFrom: BisectReport['commandFrom'] }> {
  if (given !== undefined) {
    if (given.trim() === '') {
      throw new CpoError('USAGE', 'usage', '--command is empty', {
        hint: 'Give the command that fails, e.g. `cpo bisect --command "npm test"`.',
      })
    }
    return { command: given, commandFrom: 'option' }
  }
  const last = await readLastFailure(repo)
  if (last !== undefined) {
    return {
      command: last.command,
      commandFrom: last.from === 'stage complete' ? 'last stage complete' : 'last diagnose',
    }
  }
  throw new CpoError(
    'NO_BISECT_COMMAND',
    'usage',
    'no command to bisect with: no failing check is known',
    {
      hint: 'Run `cpo diagnose` first (it remembers the failing check, as a failing `stage complete` does), or pass `--command "<test cmd>"`.',
    },
  )
}

/** The build runs first at each commit (a commit that cannot build is skipped), unless it is the command. */
function buildCommand(project: ProjectFile | undefined, command: string): string | null {
  const build = verificationCommands(project ?? {}).find((c) => c.name === 'build')?.command
  return build === undefined || build === command ? null : build
}

function pick(
  points: ReadonlyArray<{ name: string; commit: string }>,
  input: string,
  all: readonly Checkpoint[],
): { name: string; commit: string } {
  const name = checkpointName(input)
  const found = points.find((p) => p.name === name) ?? all.find((c) => c.name === name)
  if (found) return { name: found.name, commit: found.commit }
  throw new CpoError(
    'CHECKPOINT_NOT_FOUND',
    'notFound',
    `no checkpoint ${JSON.stringify(name)} on HEAD's history`,
    {
      hint: 'See the checkpoints with `cpo checkpoint list`.',
    },
  )
}

function uniqueByCommit(list: readonly Checkpoint[]): Array<{ name: string; commit: string }> {
  const seen = new Set<string>()
  const out: Array<{ name: string; commit: string }> = []
  for (const c of list) {
    if (seen.has(c.commit)) continue
    seen.add(c.commit)
    out.push({ name: c.name, commit: c.commit })
  }
  return out
}

async function runAt(
  repo: Repo,
  wt: TempWorktree,
  commit: string,
  command: string,
  build: string | null,
): Promise<{ exitCode: number | null; cached: boolean; outputTail: string }> {
  const cached = await readCachedRun(repo, commit, command)
  if (cached) return { exitCode: cached.exitCode, cached: true, outputTail: cached.outputTail }
  await checkoutIn(wt, commit)
  await linkDependencies(repo, wt, commit)
  if (build !== null) {
    const b = await runCaptured(wt.path, build)
    if (b.exitCode !== 0) return { exitCode: SKIP, cached: false, outputTail: b.outputTail }
  }
  const r = await runCaptured(wt.path, command)
  await writeCachedRun(repo, { ...r, commit, time: new Date().toISOString() })
  return { exitCode: r.exitCode, cached: false, outputTail: r.outputTail }
}

/** `git bisect run` between two commits, inside the temporary work tree. */
async function bisectCommits(
  repo: Repo,
  wt: TempWorktree,
  good: string,
  bad: string,
  command: string,
  build: string | null,
): Promise<{ commit: string; exitCode: number | null; outputTail: string; skipped: string[] }> {
  const between = (
    await git(repo.root, ['rev-list', '--count', `${good}..${bad}`, '--'])
  ).stdout.trim()
  if (between === '1') {
    const r = await runAt(repo, wt, bad, command, build)
    return { commit: bad, exitCode: r.exitCode, outputTail: r.outputTail, skipped: [] }
  }
  const gitDir = await worktreeGitDir(wt)
  const logs = path.join(gitDir, 'cpo-bisect-logs')
  await fsp.mkdir(logs, { recursive: true })
  const script = path.join(gitDir, 'cpo-bisect.sh')
  await fsp.writeFile(script, BISECT_SCRIPT, { mode: 0o755 })
  await git(wt.path, ['bisect', 'start', bad, good, '--'])
  try {
    const run = await git(wt.path, ['bisect', 'run', script], {
      okCodes: [1, 2, 3, 4],
      env: {
        CPO_BISECT_COMMAND: command,
        CPO_BISECT_BUILD: build ?? '',
        CPO_BISECT_LOGS: logs,
      },
    })
    const found = /([0-9a-f]{40}) is the first bad commit/.exec(run.stdout)
    if (!found?.[1]) {
      // "The first bad commit could be any of:" and one commit per line.
      const candidates = [...run.stdout.matchAll(/^([0-9a-f]{40})$/gm)].map((m) =>
        (m[1] as string).slice(0, 10),
      )
      throw new CpoError(
        'BISECT_UNDECIDED',
        'conflict',
        `git bisect could not name one first bad commit: commits that do not build were skipped${candidates.length > 0 ? `; it is one of ${candidates.join(', ')}` : ''}`,
        {
          hint: 'Make the skipped commits build (or give a narrower --from/--to), then run `cpo bisect` again.',
          details: run.stdout.slice(-2000),
        },
      )
    }
    const commit = found[1]
    const log = await fsp.readFile(path.join(logs, `${commit}.log`), 'utf8').catch(() => '')
    const code = await fsp.readFile(path.join(logs, `${commit}.log.code`), 'utf8').catch(() => '')
    const bisectLog = await git(wt.path, ['bisect', 'log'], { okCodes: [1] })
    const skipped = [...bisectLog.stdout.matchAll(/^git bisect skip ([0-9a-f]{40})/gm)].map(
      (m) => m[1] as string,
    )
    return {
      commit,
      exitCode: code.trim() === '' ? null : Number(code.trim()),
      outputTail: log.slice(-4000),
      skipped: skipped.filter((s) => s !== commit),
    }
  } finally {
    // `git bisect reset` takes no -q; its chatter goes nowhere.
    await git(wt.path, ['bisect', 'reset'], { okCodes: [1] })
  }
}

async function filesOf(repo: Repo, commit: string): Promise<string[]> {
  const { stdout } = await git(repo.root, [
    'diff-tree',
    '-r',
    '-m',
    '--first-parent',
    '--no-commit-id',
    '--name-only',
    '-z',
    '--root',
    commit,
    '--',
  ])
  return [...new Set(splitZ(stdout))].sort()
}

function stageIdOf(project: ProjectFile | undefined, number: string): string | null {
  return stagesOf(project ?? {}).find((s) => stageNumber(s.id) === number)?.id ?? null
}

/** `US-001` in a message is the story of the stage it belongs to (`S2-US-001`) when the file has it. */
function storyOf(
  project: ProjectFile | undefined,
  story: string | null,
  number: string | null,
): string | null {
  if (story === null) return null
  const stage =
    number === null ? undefined : stagesOf(project ?? {}).find((s) => stageNumber(s.id) === number)
  const ids = (stage?.stories ?? []).map((s) => s.id)
  return ids.find((id) => id === story) ?? ids.find((id) => id.endsWith(`-${story}`)) ?? story
}
