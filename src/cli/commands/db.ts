import { parsePolicy } from '../../core/retention/index.js'
import { CpoError } from '../../errors.js'
import { dbCheckpoint, dbRestore } from '../../ops/db/commands.js'
import { dbDiff, dbList, dbStatus } from '../../ops/db/inspect.js'
import { dbPrune } from '../../ops/db/prune.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import { confirm } from '../confirm.js'
import { shortTime, table } from '../format.js'
import type { GlobalOptions } from '../options.js'
import { type CommandOutput, planned } from '../output.js'
import { bytes } from './backup-format.js'

const wait = (g: GlobalOptions) => (g.wait === undefined ? {} : { wait: g.wait })
const url = (o: { dbUrl?: string }) => (o.dbUrl === undefined ? {} : { dbUrl: o.dbUrl })

export async function status(g: GlobalOptions, o: { dbUrl?: string }): Promise<CommandOutput> {
  const r = await dbStatus(await openProjectRepo(g.cwd, g), url(o))
  const f = r.found
  const lines = [
    `engine:     ${f.engine ? `${f.engine.value}  (from ${f.engine.source})` : 'unknown'}`,
    `orm:        ${f.orm.value}  (${f.orm.source})`,
    `url:        ${f.url ? `${f.url.value}  (from ${f.url.source})` : '-'}`,
    ...(f.migrations
      ? [
          `migrations: ${f.migrations.folder} (${f.migrations.layout}), table ${f.migrations.schema ? `${f.migrations.schema}.` : ''}${f.migrations.table}`,
        ]
      : []),
    ...(r.probe
      ? [
          `reachable:  ${r.probe.reachable ? `yes${r.probe.serverVersion ? ` (${r.probe.serverVersion})` : ''}` : 'no'}`,
          ...r.probe.tools.map(
            (t) =>
              `tool:       ${t.name} ${t.problem ? `- ${t.problem}` : `${t.version ?? ''}${t.path ? ` (${t.path})` : ''}`}`,
          ),
          ...(r.probe.problem
            ? [`problem:    ${r.probe.problem.message}`, `hint:       ${r.probe.problem.hint}`]
            : []),
        ]
      : []),
    ...f.missing.map((m) => `missing:    ${m}`),
    `checkpoints: ${r.checkpoints} (\`cpo db list\`)`,
  ]
  if (r.migrations) {
    lines.push(
      `applied:    ${r.migrations.applied.length}, in the tree: ${r.migrations.files.length}`,
    )
    if (r.migrations.inSync) lines.push('migrations: in sync')
    for (const p of r.migrations.problems) lines.push(`${p.kind}: ${p.message}`, `  fix: ${p.fix}`)
  }
  const problem =
    !f.url || (r.probe && !r.probe.reachable) || (r.migrations && !r.migrations.inSync)
  // No database: the failure says where cpo looked and what to run next (exit 4, a problem).
  const failure = r.problem
    ? new CpoError(r.problem.code, 'conflict', r.problem.message, { hint: r.problem.hint })
    : undefined
  return {
    data: r,
    text: lines.join('\n'),
    ...(failure ? { failure } : problem ? { exitCode: 4 } : {}),
  }
}

export async function checkpoint(
  g: GlobalOptions,
  name: string | undefined,
  o: { dbUrl?: string; strategy?: string; terminateConnections?: boolean; dryRun?: boolean },
): Promise<CommandOutput> {
  const r = await dbCheckpoint(await openProjectRepo(g.cwd, g), name, {
    ...url(o),
    ...wait(g),
    ...(o.strategy ? { strategy: o.strategy as 'auto' } : {}),
    ...(o.terminateConnections ? { terminateConnections: true } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
  })
  if (r.dryRun) {
    return {
      data: planned(r),
      text: `would copy ${r.plan.redactedUrl} as database checkpoint ${r.plan.checkpoint}; nothing changed`,
    }
  }
  const m = r.meta
  const lines = [
    `database checkpoint ${r.checkpoint} (${m.strategy}${m.bytes === undefined ? '' : `, ${bytes(m.bytes)}`}) of ${m.redactedUrl}`,
    `copy: ${m.location}`,
    `migrations applied: ${m.migrations.length === 0 ? 'none' : m.migrations.join(', ')}`,
    `restore with: cpo db restore ${r.checkpoint}`,
  ]
  return { data: planned(r), text: lines.join('\n') }
}

export async function restore(
  g: GlobalOptions,
  name: string,
  o: {
    dbUrl?: string
    remote?: boolean
    terminateConnections?: boolean
    dryRun?: boolean
    reason?: string
  },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const options = {
    ...url(o),
    ...wait(g),
    ...(o.remote ? { remote: true } : {}),
    ...(o.terminateConnections ? { terminateConnections: true } : {}),
    ...(o.reason ? { reason: o.reason } : {}),
  }
  const r = await dbRestore(repo, name, { ...options, ...(o.dryRun ? { dryRun: true } : {}) })
  if (r.dryRun) {
    const p = r.plan
    const rows = p.rowsReplaced
      ? table(
          ['TABLE', 'ROWS REPLACED'],
          Object.entries(p.rowsReplaced).map(([t, n]) => [t, String(n)]),
        )
      : ''
    return {
      data: planned(r),
      text: [
        `would restore ${p.redactedUrl} to ${p.checkpoint} (${p.strategy}); the live database is kept as ${p.keptAs}`,
        ...(rows ? [rows] : []),
        ...(p.local ? [] : ['a server that is not local: the restore needs --remote']),
        'nothing changed',
      ].join('\n'),
    }
  }
  return {
    data: planned(r),
    text: [
      `restored ${r.redactedUrl} to ${r.checkpoint}`,
      `the previous database is kept as ${r.keptAs}`,
      `undo with: cpo undo ${r.opId}`,
    ].join('\n'),
  }
}

export async function list(g: GlobalOptions): Promise<CommandOutput> {
  const entries = await dbList(await openProjectRepo(g.cwd, g))
  const text =
    entries.length === 0
      ? 'no database checkpoints (take one with `cpo db checkpoint [name]`; `cpo stage start` takes one)'
      : table(
          ['CHECKPOINT', 'TIME', 'ENGINE', 'STRATEGY', 'SIZE', 'MIGRATIONS', 'COPY'],
          entries.map((e) => [
            e.checkpoint,
            shortTime(e.time),
            e.engine,
            e.strategy,
            e.bytes === null ? '-' : bytes(e.bytes),
            String(e.migrations.length),
            e.present ? e.location : `MISSING ${e.location}`,
          ]),
        )
  return { data: { checkpoints: entries }, text }
}

export async function prune(
  g: GlobalOptions,
  o: Record<string, unknown> & { dryRun?: boolean },
): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const policy = parsePolicy(o)
  let r = await dbPrune(repo, policy, { dryRun: true, ...wait(g) })
  if (!o.dryRun && r.remove.length > 0) {
    await confirm(g, `remove ${r.remove.length} database checkpoint(s)?`)
    r = await dbPrune(repo, policy, wait(g))
  }
  const verb = o.dryRun ? 'would remove' : 'removed'
  const lines = [
    ...r.keep.map((e) => `keep    ${e.id}  (${e.reasons.join(', ')})`),
    ...r.remove.map((e) => `${verb} ${e.id}`),
  ]
  return { data: r, text: lines.length === 0 ? 'no database checkpoints' : lines.join('\n') }
}

export async function diff(
  g: GlobalOptions,
  a: string,
  b: string | undefined,
  o: { dbUrl?: string },
): Promise<CommandOutput> {
  const r = await dbDiff(await openProjectRepo(g.cwd, g), a, b ?? 'live', url(o))
  return { data: r, text: r.same ? `no schema differences between ${r.from} and ${r.to}` : r.diff }
}
