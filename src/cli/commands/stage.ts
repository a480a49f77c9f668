import { completePhase } from '../../ops/checkpoint/phase-complete.js'
import { completeStage } from '../../ops/checkpoint/stage-complete.js'
import { startStage } from '../../ops/checkpoint/stage-start.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import { skipStage } from '../../ops/stage-skip.js'
import { listLines } from '../format.js'
import type { GlobalOptions } from '../options.js'
import { type CommandOutput, planned } from '../output.js'

const wait = (g: GlobalOptions) => (g.wait === undefined ? {} : { wait: g.wait })

export async function start(
  g: GlobalOptions,
  stage: string | undefined,
  o: { force?: boolean; ignoreDeps?: boolean; dryRun?: boolean; db?: boolean },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await startStage(repo, stage, {
    ...wait(g),
    ...(o.db === false ? { db: false } : {}),
    ...(o.force ? { force: true } : {}),
    ...(o.ignoreDeps ? { ignoreDeps: true } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
  })
  if (r.dryRun) {
    return {
      data: planned(r),
      text: [
        `would commit "${r.plan.commitMessage}", tag ${r.plan.tag}${r.plan.replacesTag ? ` (moved from ${r.plan.replacesTag.slice(0, 10)})` : ''}, mark ${r.plan.stage.id} in progress and commit that as "${r.plan.stateCommitMessage}"; nothing changed`,
      ].join('\n'),
    }
  }
  const lines = [
    `stage ${r.stage.id}${r.stage.name ? ` (${r.stage.name})` : ''} started${r.restart === 'retry' ? ' again (retry after a rollback)' : r.restart === 'force' ? ' again (--force)' : ''}`,
    `checkpoint ${r.tag} at ${r.commit.slice(0, 10)} ("${r.commitMessage}")`,
    ...(r.replacesTag
      ? [
          `the previous ${r.tag} (tag object ${r.replacesTag.slice(0, 10)}) is kept under refs/cpo/deleted-tags/${r.opId}/`,
        ]
      : []),
    `state committed as ${r.stateCommit.slice(0, 10)} ("${r.stateCommitMessage}")`,
    ...(r.unmetDependencies.length > 0
      ? [`started with --ignore-deps although ${r.unmetDependencies.join(', ')} are not done`]
      : []),
    ...listLines('sidecars:', r.sidecars),
    ...dbLines(r.db),
    `undo with: cpo undo ${r.opId}`,
  ]
  return { data: planned(r), text: lines.join('\n') }
}

/** The automatic database checkpoint of a stage start or phase complete. */
const dbLines = (db: { checkpoint?: string; strategy?: string; warning?: string } | undefined) =>
  db?.warning
    ? [`warning: ${db.warning}`]
    : db?.checkpoint
      ? [`database checkpoint ${db.checkpoint} (${db.strategy})`]
      : []

export async function complete(
  g: GlobalOptions,
  stage: string,
  o: { skipVerify?: boolean; force?: boolean; dryRun?: boolean },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await completeStage(repo, stage, {
    ...wait(g),
    ...(o.skipVerify ? { skipVerify: true } : {}),
    ...(o.force ? { force: true } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
  })
  if (r.dryRun) {
    return {
      data: planned(r),
      text: [
        `would verify, mark ${r.plan.stage.id} tested, commit "${r.plan.commitMessage}" and tag ${r.plan.tag}; nothing changed`,
        ...listLines('untracked files the commit would add:', r.plan.untrackedAdded),
        ...r.plan.warnings.map((w) => `warning: ${w}`),
      ].join('\n'),
    }
  }
  const lines = [
    `stage ${r.stage.id}${r.stage.name ? ` (${r.stage.name})` : ''} completed (tested)`,
    r.verificationSkipped
      ? 'verification skipped (--skip-verify)'
      : r.verification.length === 0
        ? 'verification: no commands configured in master-project.json'
        : `verification passed: ${r.verification.map((v) => v.name).join(', ')}`,
    `checkpoint ${r.tag} at ${r.commit.slice(0, 10)} ("${r.commitMessage}")`,
    ...listLines('untracked files added to the commit:', r.untrackedAdded),
    ...r.warnings.map((w) => `warning: ${w}`),
    ...listLines('sidecars:', r.sidecars),
    `undo with: cpo undo ${r.opId}`,
  ]
  return { data: planned(r), text: lines.join('\n') }
}

export async function phase(
  g: GlobalOptions,
  n: string,
  o: { force?: boolean; dryRun?: boolean; db?: boolean },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await completePhase(repo, n, {
    ...wait(g),
    ...(o.force ? { force: true } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(o.db === false ? { db: false } : {}),
  })
  const p = r.dryRun ? r.plan : r
  const writes = Object.entries(p.writes).map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
  const forced =
    p.forced && p.openStages.length > 0
      ? [`completed with --force although ${p.openStages.join(', ')} are not done`]
      : []
  if (r.dryRun) {
    return {
      data: r,
      text: [
        `would commit pending work${writes.length > 0 ? ` with ${writes.join(', ')}` : ''} and tag ${p.tag}; nothing changed`,
        ...forced,
      ].join('\n'),
    }
  }
  const lines = [
    `phase ${r.phase} complete: ${r.tag} at ${r.commit.slice(0, 10)}`,
    ...(writes.length > 0 ? [`state file: ${writes.join(', ')}`] : []),
    r.committed ? 'pending work was committed first' : 'the work tree was clean: HEAD tagged',
    ...forced,
    ...listLines('sidecars:', r.sidecars),
    ...dbLines(r.db),
    `undo with: cpo undo ${r.opId}`,
  ]
  return { data: r, text: lines.join('\n') }
}

export async function skip(
  g: GlobalOptions,
  stage: string,
  o: { reason?: string; force?: boolean; dryRun?: boolean },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await skipStage(repo, stage, {
    ...wait(g),
    ...(o.reason === undefined ? {} : { reason: o.reason }),
    ...(o.force ? { force: true } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
  })
  const p = r.dryRun ? r.plan : r
  const lines = [
    `${r.dryRun ? 'would mark' : 'marked'} stage ${p.stage.id}${p.stage.name ? ` (${p.stage.name})` : ''} skipped (was ${p.stage.status}): ${p.reason}`,
    ...(p.dependents.length > 0
      ? [`stages that depend on it may start: ${p.dependents.join(', ')}`]
      : []),
    ...(p.clearsCurrentStage ? ['currentStage cleared'] : []),
    r.dryRun
      ? 'nothing changed (--dry-run)'
      : `master-project.json and cpo-progress.md changed (not committed); undo with: cpo undo ${r.opId}`,
  ]
  return { data: planned(r), text: lines.join('\n') }
}
