// Each subcommand's op is imported when it runs: `checkpoint list` must not load what create,
// delete or show need.
import type { Checkpoint } from '../../core/checkpoint/types.js'
import { checkpointListing } from '../../ops/checkpoint/list.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import { confirm } from '../confirm.js'
import { listLines, shortTime, table, unreadableState, warnOnStderr } from '../format.js'
import type { GlobalOptions } from '../options.js'
import { type CommandOutput, planned } from '../output.js'

const wait = (g: GlobalOptions) => (g.wait === undefined ? {} : { wait: g.wait })
const branchName = (b: string | null) => b?.replace('refs/heads/', '') ?? '-'
const stageLabel = (c: Checkpoint) => c.stage?.id ?? (c.stage ? `#${c.stage.number}` : '-')

export async function create(
  g: GlobalOptions,
  name: string,
  o: { message?: string; dryRun?: boolean },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const { createCheckpoint } = await import('../../ops/checkpoint/create.js')
  const r = await createCheckpoint(repo, name, {
    ...wait(g),
    ...(o.message === undefined ? {} : { message: o.message }),
    ...(o.dryRun ? { dryRun: true } : {}),
  })
  if (r.dryRun) {
    return {
      data: planned(r),
      text: `would tag ${r.plan.tag} on ${branchName(r.plan.branch)} (pending work committed first); nothing changed`,
    }
  }
  const lines = [
    `checkpoint ${r.tag} at ${r.commit.slice(0, 10)} on ${branchName(r.branch)}`,
    r.committed ? 'pending work was committed first' : 'the work tree was clean: HEAD tagged',
    `undo with: cpo undo ${r.opId}`,
  ]
  return { data: planned(r), text: lines.join('\n') }
}

export async function list(g: GlobalOptions, o: { tagsOnly?: boolean }): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const { checkpoints, warnings } = await checkpointListing(
    repo,
    o.tagsOnly ? { tagsOnly: true } : {},
  )
  warnOnStderr(g, warnings.map(unreadableState))
  const rows = () =>
    checkpoints.map((c) => [
      c.inferred ? `${c.name} (inferred)` : c.name,
      c.kind,
      stageLabel(c),
      c.phase === null ? '-' : String(c.phase),
      shortTime(c.time),
      c.commit.slice(0, 10),
      branchName(c.branch),
      c.message,
    ])
  // The table is built once, when it is first read: a --json run of a long history never reads it.
  let text: string | undefined
  return {
    data: { checkpoints, warnings },
    get text() {
      text ??=
        checkpoints.length === 0
          ? 'no checkpoints (create one with `cpo checkpoint create <name>` or `cpo stage start`)'
          : table(['NAME', 'KIND', 'STAGE', 'PHASE', 'TIME', 'COMMIT', 'BRANCH', 'MESSAGE'], rows())
      return text
    },
  }
}

export async function show(g: GlobalOptions, name: string): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const { showCheckpoint } = await import('../../ops/checkpoint/show.js')
  const d = await showCheckpoint(repo, name)
  const c = d.checkpoint
  const lines = [
    `${c.ref ?? `${c.name} (inferred from a commit message; no tag)`}`,
    `kind:     ${c.kind}`,
    `stage:    ${c.stage ? `${c.stage.id ?? c.stage.number}${c.stage.name ? ` - ${c.stage.name}` : ''}` : '-'}`,
    `phase:    ${c.phase ?? '-'}`,
    `time:     ${shortTime(c.time)}`,
    `commit:   ${c.commit}`,
    `branch:   ${branchName(c.branch)}`,
    `snapshot: ${c.snapshot ?? '-'}`,
    `message:  ${c.message}`,
    ...(d.sidecars.length > 0 ? listLines('sidecars:', d.sidecars) : ['sidecars: none']),
    `files changed since: ${d.changedSince.length}`,
  ]
  return { data: d, text: lines.join('\n') }
}

export async function sidecars(
  g: GlobalOptions,
  names: string[],
  o: { dryRun?: boolean },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const { rebuildSidecars } = await import('../../ops/checkpoint/rebuild-sidecars.js')
  const r = await rebuildSidecars(repo, names, o.dryRun ? { dryRun: true } : {})
  const base = (f: string) => f.slice(f.lastIndexOf('/') + 1)
  const lines = r.checkpoints.map((c) => {
    if (c.note !== null) return `${c.name}: nothing to rebuild (${c.note})`
    const parts = [
      `${r.dryRun ? 'would write' : 'wrote'} ${c.written.length}`,
      `kept ${c.kept.length}`,
      ...c.notRebuildable.map((n) => `cannot rebuild ${base(n.file)} (${n.why})`),
    ]
    return `${c.name}: ${parts.join(', ')}`
  })
  if (lines.length === 0) lines.push('no stage or phase checkpoint tags: nothing to rebuild')
  if (r.dryRun) lines.push('dry run: nothing written')
  const data = { ...r, plan: r.checkpoints, ...(r.dryRun ? {} : { result: r.checkpoints }) }
  return { data, text: lines.join('\n') }
}

export async function diff(
  g: GlobalOptions,
  a: string,
  b: string | undefined,
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const { diffCheckpoints } = await import('../../ops/checkpoint/show.js')
  const d = await diffCheckpoints(repo, a, b)
  const n = (v: number | null) => (v === null ? 'bin' : String(v))
  const rows = d.files.map((f) => [f.status, `+${n(f.added)}`, `-${n(f.deleted)}`, f.path])
  const head = `${d.from.name} → ${d.to?.name ?? 'work tree'}: ${d.stat.files} file(s), +${d.stat.added} -${d.stat.deleted}`
  const text =
    d.files.length === 0
      ? `${head}\nno differences`
      : `${head}\n${table(['', 'ADDED', 'DELETED', 'PATH'], rows)}`
  return { data: d, text }
}

export async function remove(
  g: GlobalOptions,
  name: string,
  o: { dryRun?: boolean },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  if (!o.dryRun) await confirm(g, `delete checkpoint ${name}?`)
  const { deleteCheckpoint } = await import('../../ops/checkpoint/delete.js')
  const r = await deleteCheckpoint(repo, name, {
    ...wait(g),
    ...(o.dryRun ? { dryRun: true } : {}),
  })
  if (r.dryRun)
    return { data: planned(r), text: `would delete checkpoint/${r.plan.name}; nothing changed` }
  const lines = [
    `deleted ${r.tag} (tag object ${r.object.slice(0, 10)} kept as ${r.kept})`,
    `undo with: cpo undo ${r.opId}`,
  ]
  return { data: planned(r), text: lines.join('\n') }
}
