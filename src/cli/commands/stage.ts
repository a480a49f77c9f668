import { openRepo } from '../../adapters/repo.js'
import { completePhase } from '../../ops/checkpoint/phase-complete.js'
import { completeStage } from '../../ops/checkpoint/stage-complete.js'
import { startStage } from '../../ops/checkpoint/stage-start.js'
import { listLines } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

const wait = (g: GlobalOptions) => (g.wait === undefined ? {} : { wait: g.wait })

export async function start(
  g: GlobalOptions,
  stage: string | undefined,
  o: { force?: boolean; dryRun?: boolean; db?: boolean },
): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const r = await startStage(repo, stage, {
    ...wait(g),
    ...(o.db === false ? { db: false } : {}),
    ...(o.force ? { force: true } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
  })
  if (r.dryRun) {
    return {
      data: r,
      text: `would commit "${r.plan.commitMessage}", tag ${r.plan.tag} and mark ${r.plan.stage.id} in progress; nothing changed`,
    }
  }
  const lines = [
    `stage ${r.stage.id}${r.stage.name ? ` (${r.stage.name})` : ''} started`,
    `checkpoint ${r.tag} at ${r.commit.slice(0, 10)} ("${r.commitMessage}")`,
    ...(r.unmetDependencies.length > 0
      ? [`started with --force although ${r.unmetDependencies.join(', ')} are not done`]
      : []),
    ...listLines('sidecars:', r.sidecars),
    ...dbLines(r.db),
    `undo with: cpo undo ${r.opId}`,
  ]
  return { data: r, text: lines.join('\n') }
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
  const repo = await openRepo(g.cwd)
  const r = await completeStage(repo, stage, {
    ...wait(g),
    ...(o.skipVerify ? { skipVerify: true } : {}),
    ...(o.force ? { force: true } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
  })
  if (r.dryRun) {
    return {
      data: r,
      text: `would verify, mark ${r.plan.stage.id} tested, commit "${r.plan.commitMessage}" and tag ${r.plan.tag}; nothing changed`,
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
    ...listLines('sidecars:', r.sidecars),
    `undo with: cpo undo ${r.opId}`,
  ]
  return { data: r, text: lines.join('\n') }
}

export async function phase(
  g: GlobalOptions,
  n: string,
  o: { db?: boolean } = {},
): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const r = await completePhase(repo, n, { ...wait(g), ...(o.db === false ? { db: false } : {}) })
  const lines = [
    `phase ${r.phase} complete: ${r.tag} at ${r.commit.slice(0, 10)}`,
    r.committed ? 'pending work was committed first' : 'the work tree was clean: HEAD tagged',
    ...listLines('sidecars:', r.sidecars),
    ...dbLines(r.db),
    `undo with: cpo undo ${r.opId}`,
  ]
  return { data: r, text: lines.join('\n') }
}
