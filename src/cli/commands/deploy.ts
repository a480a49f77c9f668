import type { HealthResult } from '../../adapters/platforms/health.js'
import type { Deployment, JobResult, JobState, Pitfall } from '../../adapters/platforms/types.js'
import { describeSource } from '../../core/deploy/config.js'
import { EXIT } from '../../errors.js'
import { deployStatus, listDeployments } from '../../ops/deploy/list.js'
import { promoteDeployment } from '../../ops/deploy/promote.js'
import { publishLocal } from '../../ops/deploy/publish.js'
import { recordDeployment } from '../../ops/deploy/record.js'
import { rollbackDeploy } from '../../ops/deploy/rollback.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import { shortTime, table } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

const wait = (g: GlobalOptions) => (g.wait === undefined ? {} : { wait: g.wait })
const short = (s: string | null) => (s ? s.slice(0, 10) : '-')

export async function list(g: GlobalOptions, o: { limit?: string }): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await listDeployments(repo, o.limit === undefined ? {} : { limit: Number(o.limit) })
  const rows = r.deployments.map((d) => [
    d.current ? '*' : ' ',
    d.id,
    shortTime(d.createdAt),
    short(d.commit),
    d.rawState,
    d.current
      ? 'serving'
      : d.rollbackCandidate
        ? 'yes'
        : `no${d.notCandidateBecause ? ` (${d.notCandidateBecause})` : ''}`,
    d.checkpoint ?? '-',
    d.url ?? '-',
  ])
  const text =
    rows.length === 0
      ? `no production deployments on ${r.platform} ${r.where}`
      : table(['', 'ID', 'CREATED', 'COMMIT', 'STATE', 'CANDIDATE', 'CHECKPOINT', 'URL'], rows)
  return { data: r, text }
}

export async function status(g: GlobalOptions): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await deployStatus(repo)
  const ids = Object.entries(r.config)
    .filter(([k]) => k !== 'platform')
    .map(([k, v]) => `${k}=${v}`)
  const lines = [
    `platform: ${r.platform} (from ${describeSource(r.source)})`,
    ...(ids.length > 0 ? [`config: ${ids.join(' ')}`] : []),
    r.adapter === 'available'
      ? r.current
        ? `serving: ${r.current.id} (${shortTime(r.current.createdAt)}, commit ${short(r.current.commit)})`
        : r.problem
          ? `serving: unknown: ${r.problem.message}${r.problem.hint ? `\nhint: ${r.problem.hint}` : ''}`
          : 'serving: nothing'
      : `adapter not available: this version of cpo cannot roll ${r.platform} back yet`,
    ...(r.detected.length > 1
      ? [
          'also detected:',
          ...r.detected.slice(1).map((d) => `  ${d.platform} (${describeSource(d.source)})`),
        ]
      : []),
  ]
  return { data: r, text: lines.join('\n') }
}

export async function record(g: GlobalOptions, o: { id?: string }): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await recordDeployment(repo, {
    ...(o.id === undefined ? {} : { id: o.id }),
    ...wait(g),
  })
  return {
    data: r,
    text: `recorded ${r.platform} deployment ${r.deployment.id} as checkpoint ${r.name} on ${short(r.commit)}\nundo with: cpo undo ${r.opId}`,
  }
}

export async function publish(g: GlobalOptions, buildDir: string): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const r = await publishLocal(repo, buildDir, wait(g))
  return {
    data: r,
    text: [
      `published release ${r.release.id} (from ${r.release.source}, commit ${short(r.release.commit)}); ${r.dir}/current points at it`,
      `recorded as checkpoint ${r.recorded.name}`,
      r.previous ? `roll back with: cpo rollback deploy --reason "…" (to ${r.previous})` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  }
}

export async function promote(
  g: GlobalOptions,
  id: string,
  o: { reason?: string; timeout?: string },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const progress = progressLine(g)
  const r = await promoteDeployment(repo, id, {
    ...(o.reason === undefined ? {} : { reason: o.reason }),
    ...(o.timeout === undefined ? {} : { timeoutSeconds: Number(o.timeout) }),
    ...wait(g),
  }).finally(progress.done)
  return {
    data: r,
    text: [
      `${r.platform}: ${r.target.id} serves production${r.previous ? ` (was ${r.previous.id})` : ''} — ${jobText(r.job)}`,
      ...healthLines(r.health),
      `undo with: cpo undo ${r.opId}`,
    ].join('\n'),
    ...exitFor(r.job, r.health),
  }
}

export async function rollback(
  g: GlobalOptions,
  o: { to?: string; reason?: string; dryRun?: boolean; lock?: boolean; timeout?: string },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const progress = progressLine(g)
  const r = await rollbackDeploy(repo, {
    ...(o.to === undefined ? {} : { to: o.to }),
    ...(o.reason === undefined ? {} : { reason: o.reason }),
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(o.lock ? { lock: true } : {}),
    ...(o.timeout === undefined ? {} : { timeoutSeconds: Number(o.timeout) }),
    ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
    ...wait(g),
  }).finally(progress.done)
  const plan = r.dryRun ? r.plan : r
  const head = r.dryRun
    ? `plan: roll ${plan.platform} production (${plan.where}) back to ${describe(plan.target)}`
    : `rolled ${plan.platform} production back to ${describe(plan.target)} — ${jobText(r.job)}`
  const lines = [
    head,
    `serving before: ${plan.current ? describe(plan.current) : 'nothing'}`,
    ...(r.dryRun ? [] : healthLines(r.health)),
    ...pitfallLines(plan.pitfalls),
    r.dryRun ? 'nothing changed (dry run)' : `undo with: cpo undo ${r.opId}`,
  ]
  return {
    data: r,
    text: lines.join('\n'),
    ...(r.dryRun ? {} : exitFor(r.job, r.health)),
  }
}

const describe = (d: Deployment) =>
  `${d.id} (${shortTime(d.createdAt)}, commit ${short(d.commit)}${d.url ? `, ${d.url}` : ''})`

const jobText = (j: JobResult) =>
  j.state === 'succeeded'
    ? 'done'
    : j.state === 'timeout'
      ? `still running when the timeout passed${j.detail ? ` (${j.detail})` : ''}; check with: cpo deploy status`
      : `failed${j.detail ? `: ${j.detail}` : ''}`

function healthLines(h: HealthResult | null): string[] {
  if (!h) return ['health: no healthUrl configured (add one to the deployment config)']
  return [
    h.healthy
      ? `health: ${h.url} answered ${h.status} (healthy)`
      : `health: ${h.url} ${h.status === null ? `did not answer${h.error ? ` (${h.error})` : ''}` : `answered ${h.status}`} after ${h.attempts} tries (UNHEALTHY)`,
  ]
}

const pitfallLines = (p: Pitfall[]) =>
  p.length === 0 ? [] : ['not rolled back / watch out:', ...p.map((x) => `  - ${x.message}`)]

/** A rollback that ran but left production unhealthy or unfinished exits 6, not 0. */
function exitFor(job: JobResult, health: HealthResult | null): { exitCode?: number } {
  return job.state !== 'succeeded' || (health !== null && !health.healthy)
    ? { exitCode: EXIT.external }
    : {}
}

/** A spinner and the time waited on stderr, on a terminal only (never with --json). */
function progressLine(g: GlobalOptions): {
  onProgress?: (state: JobState, elapsedMs: number) => void
  done: () => void
} {
  if (g.json || process.stderr.isTTY !== true) return { done: () => {} }
  const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'
  let n = 0
  let drawn = false
  return {
    onProgress: (state, elapsed) => {
      drawn = true
      process.stderr.write(
        `\r${frames[n++ % frames.length]} platform job ${state} (${Math.round(elapsed / 1000)} s)\u001b[K`,
      )
    },
    done: () => {
      if (drawn) process.stderr.write('\r\u001b[K')
    },
  }
}
