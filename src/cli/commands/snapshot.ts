import path from 'node:path'
import { openRepo } from '../../adapters/repo.js'
import { toRepoPaths } from '../../ops/paths.js'
import { restoreSnapshotOperation } from '../../ops/restore.js'
import { createSnapshot, snapshotList } from '../../ops/snapshot.js'
import {
  changedDuringLines,
  headLines,
  keptLines,
  listLines,
  previewLines,
  shortTime,
  skippedLines,
  table,
} from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function create(g: GlobalOptions, o: { message?: string }): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const report = await createSnapshot(repo, {
    ...(o.message === undefined ? {} : { message: o.message }),
    ...(g.wait === undefined ? {} : { wait: g.wait }),
  })
  const snapshot = report.snapshot
  const lines = [
    `snapshot ${snapshot.id} taken (${snapshot.dirty.length} changed file(s) beyond HEAD ${snapshot.head.slice(0, 10)})`,
    `ref: ${snapshot.ref}`,
    ...skippedLines(snapshot.skipped),
    `restore it with: cpo snapshot restore ${snapshot.id}`,
  ]
  return { data: report, text: lines.join('\n') }
}

export async function list(g: GlobalOptions): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const snapshots = await snapshotList(repo)
  const rows = snapshots.map((s) => [
    s.id,
    s.kind,
    shortTime(s.createdAt),
    s.branch?.replace('refs/heads/', '') ?? `(detached ${s.head.slice(0, 8)})`,
    String(s.dirty.length),
    s.message,
  ])
  const text =
    snapshots.length === 0
      ? 'no snapshots yet (take one with `cpo snapshot`)'
      : table(['ID', 'KIND', 'TIME', 'BRANCH', 'CHANGED', 'MESSAGE'], rows)
  return { data: { snapshots }, text }
}

export async function restore(
  g: GlobalOptions,
  id: string,
  o: { paths?: string[]; reason?: string; dryRun?: boolean },
): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const paths = o.paths ? toRepoPaths(repo.root, path.resolve(g.cwd), o.paths) : []
  const options = {
    paths,
    ...(o.reason === undefined ? {} : { reason: o.reason }),
    ...(g.wait === undefined ? {} : { wait: g.wait }),
  }
  if (o.dryRun) {
    const p = await restoreSnapshotOperation(repo, id, { ...options, dryRun: true })
    const what = paths.length > 0 ? `${paths.join(', ')} from` : 'the whole state of'
    return {
      data: p,
      text: [
        `would restore ${what} snapshot ${p.target.id}`,
        ...previewLines(p.plan),
        'nothing changed (--dry-run)',
      ].join('\n'),
    }
  }
  const report = await restoreSnapshotOperation(repo, id, options)
  const lines = [
    paths.length > 0
      ? `restored ${report.written.length} file(s) from snapshot ${report.target.id}`
      : `restored snapshot ${report.target.id}: ${report.written.length} file(s) written, ${report.removed.length} removed`,
    ...headLines(report.headMoved),
    ...listLines('written:', report.written),
    ...listLines('removed (kept in the before-snapshot):', report.removed),
    ...keptLines(report.kept),
    ...changedDuringLines(report.changedDuring),
    ...skippedLines(report.before.skipped),
    `the previous state is snapshot ${report.before.id}; undo with: cpo undo ${report.opId}`,
  ]
  return { data: report, text: lines.join('\n') }
}
