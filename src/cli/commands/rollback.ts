import { createInterface } from 'node:readline/promises'
import { type ChecklistItem, checklistGroups } from '../../core/rollback/checklist.js'
import type { DependencyPlan } from '../../core/rollback/index.js'
import { cpoCommand } from '../../core/shell-quote.js'
import { CpoError } from '../../errors.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import type { AfterReport } from '../../ops/rollback/after.js'
import type { RollbackPlan } from '../../ops/rollback/plan.js'
import type { RollbackOptions, RollbackOutcome, RollbackReport } from '../../ops/rollback/run.js'
import {
  rollbackPhase,
  rollbackProject,
  rollbackStage,
  rollbackTo,
} from '../../ops/rollback/scopes.js'
import { rollbackStory } from '../../ops/rollback/story.js'
import { confirm } from '../confirm.js'
import { changedDuringLines, keptLines, listLines } from '../format.js'
import type { GlobalOptions } from '../options.js'
import { type CommandOutput, planned } from '../output.js'

interface Flags {
  reason?: string
  dryRun?: boolean
  mode?: string
  install?: boolean
  verify?: boolean
  backup?: boolean
  notify?: string
  withDb?: boolean
  db?: boolean
  remote?: boolean
  dbUrl?: string
  terminateConnections?: boolean
}

type Run = (options: RollbackOptions) => Promise<RollbackOutcome>

export async function stage(g: GlobalOptions, n: string | undefined, o: Flags) {
  const repo = await openProjectRepo(g.cwd, g)
  return rollback(g, o, (opts) => rollbackStage(repo, n, opts))
}

export async function phase(g: GlobalOptions, n: string | undefined, o: Flags) {
  const repo = await openProjectRepo(g.cwd, g)
  return rollback(g, o, (opts) => rollbackPhase(repo, n, opts))
}

export async function project(g: GlobalOptions, o: Flags) {
  const repo = await openProjectRepo(g.cwd, g)
  return rollback(g, o, (opts) => rollbackProject(repo, opts))
}

export async function to(g: GlobalOptions, name: string, o: Flags) {
  const repo = await openProjectRepo(g.cwd, g)
  return rollback(g, o, (opts) => rollbackTo(repo, name, opts))
}

export async function story(g: GlobalOptions, id: string, o: Flags): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const reason = await reasonOf(g, o)
  const r = await rollbackStory(repo, id, {
    ...(reason === undefined ? {} : { reason }),
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(g.wait === undefined ? {} : { wait: g.wait }),
    ...afterFlags(o),
  })
  const commits = (r.dryRun ? r.plan : r).commits.map(
    (c) => `${c.commit.slice(0, 10)} ${c.subject}`,
  )
  if (r.dryRun) {
    const p = r.plan
    return {
      data: planned(r),
      text: [
        `would revert ${p.commits.length} commit(s) of story ${p.story}, newest first:`,
        ...commits.map((c) => `  ${c}`),
        `and mark it not passing in ${[p.stateStory ? 'master-project.json' : null, p.inPrd ? 'prd.json' : null].filter(Boolean).join(' and ') || 'no state file'}`,
        ...listLines(
          'uncommitted changes would be set aside (kept in the before-snapshot):',
          p.setAside,
        ),
        ...dependencyLines(p.dependencies, true),
        'nothing changed (--dry-run)',
      ].join('\n'),
    }
  }
  return {
    data: planned(r),
    text: [
      `rolled back story ${r.story}: reverted ${r.reverts.length} commit(s)`,
      ...listLines('reverted:', commits),
      `recorded as ${r.commit.slice(0, 10)} "rollback(story-${r.story}): ${r.reason}"`,
      ...listLines(`uncommitted changes set aside in snapshot ${r.before.id}:`, r.setAside),
      ...(r.recovery.paths ? [`get them back: ${r.recovery.paths}`] : []),
      ...installLines(r.after, r.dependencies),
      ...checklistLines(r.checklist, r.checklistNotLogged),
      `undo with: ${r.recovery.undo}`,
    ].join('\n'),
    ...afterFailure(r.after, r.opId),
  }
}

/** The flags of the checklists (README.md, "Checklists"), shared by every rollback. */
function afterFlags(o: Flags) {
  return {
    ...(o.install === false ? { install: false } : {}),
    ...(o.verify ? { verify: true } : {}),
    checklist: {
      ...(o.backup ? { backup: true } : {}),
      ...(o.notify === undefined ? {} : { notify: o.notify }),
    },
  }
}

async function rollback(g: GlobalOptions, o: Flags, run: Run): Promise<CommandOutput> {
  if (o.mode !== undefined && o.mode !== 'reset' && o.mode !== 'revert') {
    throw new CpoError(
      'USAGE',
      'usage',
      `--mode takes reset or revert, not ${JSON.stringify(o.mode)}`,
    )
  }
  const reason = await reasonOf(g, o)
  const base: RollbackOptions = {
    ...(reason === undefined ? {} : { reason }),
    ...(o.mode === undefined ? {} : { mode: o.mode as 'reset' | 'revert' }),
    ...(g.wait === undefined ? {} : { wait: g.wait }),
    ...afterFlags(o),
    db: {
      ...(o.withDb ? { withDb: true } : {}),
      ...(o.db === false ? { db: false } : {}),
      ...(o.remote ? { remote: true } : {}),
      ...(o.dbUrl === undefined ? {} : { dbUrl: o.dbUrl }),
      ...(o.terminateConnections ? { terminateConnections: true } : {}),
    },
  }
  if (o.dryRun) {
    const r = await run({ ...base, dryRun: true })
    if (!r.dryRun) throw new Error('unreachable: a dry run changed something')
    return {
      data: planned(r),
      text: [...planLines(r.plan, true), 'nothing changed (--dry-run)'].join('\n'),
    }
  }
  let confirmed = g.yes
  if (!confirmed && g.interactive) {
    // An inferred target comes from commit messages, not a tag: show it and ask first.
    const r = await run({ ...base, dryRun: true })
    if (r.dryRun && r.plan.target.inferred) {
      process.stderr.write(`${planLines(r.plan, true).join('\n')}\n`)
      await confirm(g, `roll back to ${r.plan.target.name}, inferred from a commit message?`)
      confirmed = true
    }
  }
  const r = await run({ ...base, confirmed })
  if (r.dryRun) throw new Error('unreachable: no dry run here')
  return { data: planned(r), text: reportLines(r).join('\n'), ...afterFailure(r.after, r.opId) }
}

/** The reason is required: from --reason, else asked for on a terminal. */
async function reasonOf(g: GlobalOptions, o: Flags): Promise<string | undefined> {
  if (o.reason !== undefined || !g.interactive || o.dryRun) return o.reason
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return (await rl.question('Why roll back? (recorded in the commit and the log) ')).trim()
  } finally {
    rl.close()
  }
}

const short = (c: string) => c.slice(0, 10)
const branchName = (b: string) => b.replace('refs/heads/', '')

function planLines(p: RollbackPlan, dry: boolean): string[] {
  const would = dry ? 'would ' : ''
  const t = p.target
  return [
    `${dry ? 'plan: roll back' : 'rolled back'} ${p.scope} to ${t.tag ?? t.name} at ${short(t.commit)}${t.inferred ? ' (inferred from commit messages, no tag)' : ''}`,
    p.mode === 'reset'
      ? `branch ${branchName(p.branch)}: ${would}move ${short(p.head)} → ${short(t.commit)} (reset: ${p.modeWhy})`
      : `branch ${branchName(p.branch)}: ${would}get a commit with the target's tree (revert: ${p.modeWhy})`,
    ...listLines(
      `commits ${p.mode === 'reset' ? 'discarded from the branch' : 'reverted'} (${p.discardedCommits.length}):`,
      p.discardedCommits.map((c) => `${short(c.commit)} ${c.subject}`),
      10,
    ),
    ...listLines('state changes:', [
      ...p.stateChanges.stages.map((s) => `stage ${s.id}: ${s.from} → ${s.to}`),
      ...p.stateChanges.epics.map((e) => `epic ${e.id}: ${e.from} → ${e.to}`),
      ...(p.stateChanges.stories.length > 0
        ? [`${p.stateChanges.stories.length} story(ies) no longer passing`]
        : []),
    ]),
    `stages reset to pending: ${p.stagesReset.join(', ') || 'none'}`,
    ...listLines(`files that change (${p.filesChanged.length}):`, p.filesChanged, 15),
    ...listLines(
      `uncommitted/untracked work ${would}set aside (kept in the before-snapshot):`,
      p.setAside.uncommitted,
    ),
    ...listLines(`stage loop files ${would}set aside:`, p.setAside.loopFiles),
    ...keptLines(p.kept, would),
    ...dependencyLines(p.dependencies, dry),
    ...(p.db
      ? [
          `database ${p.db.redactedUrl}: ${would}restore to ${p.db.checkpoint} (the live one kept as ${p.db.keptAs})`,
        ]
      : []),
    ...p.warnings.map((w) => `warning: ${w}`),
  ]
}

function reportLines(r: RollbackReport): string[] {
  const a = r.after
  const set = [...new Set([...r.setAside.uncommitted, ...r.setAside.loopFiles])]
  return [
    ...planLines(r, false),
    ...changedDuringLines(r.changedDuring),
    ...(r.database.before?.checkpoint
      ? [`database copied first as checkpoint ${r.database.before.checkpoint} (\`cpo db list\`)`]
      : []),
    ...(r.database.before?.warning ? [`warning: ${r.database.before.warning}`] : []),
    `recorded as ${short(r.commit)} "rollback(${r.scope}): ${r.reason}"${r.revertCommit ? ` after revert commit ${short(r.revertCommit)}` : ''}`,
    ...installLines(a, r.dependencies),
    ...(set.length > 0 && r.recovery.paths
      ? [`get set-aside work back: ${r.recovery.undo} (everything), or ${r.recovery.paths}`]
      : []),
    ...checklistLines(r.checklist, r.checklistNotLogged),
    `undo with: ${r.recovery.undo}`,
  ]
}

/** The before and after lists, each item with its evidence (README.md, "Checklists"). */
function checklistLines(items: readonly ChecklistItem[], notLogged: string | null): string[] {
  const { before, after } = checklistGroups(items)
  return [
    'safety checklist before:',
    ...before.map((l) => `  ${l}`),
    'safety checklist after:',
    ...after.map((l) => `  ${l}`),
    ...(notLogged ? [`warning: the checklist is not in the progress log: ${notLogged}`] : []),
  ]
}

function dependencyLines(d: DependencyPlan, dry: boolean): string[] {
  return [
    d.differ
      ? `dependencies differ (${d.lockfiles.join(', ') || 'package.json'}): ${d.install === null ? 'no install (the target has no package.json)' : `\`${d.install}\` ${dry ? 'will run' : 'runs'} unless --no-install`}`
      : 'dependencies: the lockfile is the same',
  ]
}

function installLines(a: AfterReport, d: DependencyPlan): string[] {
  if (a.install.ran) {
    const i = a.install
    return [`install: ${i.command} ${i.ok ? 'done' : `FAILED (exit ${i.exitCode})`}`]
  }
  return d.differ ? [`install skipped: ${a.install.why}`] : []
}

/**
 * The rollback is done either way (`cpo undo` reverses it); a failed install or verification
 * after it still makes the exit code say so, for scripts and CI.
 */
function afterFailure(a: AfterReport, opId: string): { failure?: CpoError } {
  const install = a.install.ran && !a.install.ok ? a.install : undefined
  const verification = a.verification.ran && !a.verification.passed ? a.verification : undefined
  if (!install && !verification) return {}
  const failed = verification?.runs.find((v) => v.exitCode !== 0)
  return {
    failure: new CpoError(
      install ? 'INSTALL_FAILED' : 'VERIFICATION_FAILED',
      'external',
      install
        ? `rolled back, but \`${install.command}\` failed (exit ${install.exitCode})`
        : `rolled back, but verification failed${failed ? `: ${failed.name} exited with ${failed.exitCode}` : ''}`,
      {
        hint: `The rollback stands; fix the problem, or go back to where you were with \`${cpoCommand('undo', opId)}\`.`,
        details: install ? { install: a.install } : { verification: a.verification },
      },
    ),
  }
}
