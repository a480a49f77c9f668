import { openRepo } from '../../adapters/repo.js'
import { redoOperation, type UndoOptions, type UndoReport, undoOperation } from '../../ops/undo.js'
import { changedDuringLines, headLines, keptLines, listLines, previewLines } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

interface Flags {
  reason?: string
  dryRun?: boolean
}

const optionsOf = (g: GlobalOptions, o: Flags): UndoOptions => ({
  ...(o.reason === undefined ? {} : { reason: o.reason }),
  ...(g.wait === undefined ? {} : { wait: g.wait }),
  confirmed: g.yes,
})

export async function run(
  g: GlobalOptions,
  ref: string | undefined,
  o: Flags,
): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  if (o.dryRun) {
    const p = await undoOperation(repo, ref, { ...optionsOf(g, o), dryRun: true })
    const title = `would undo ${p.undone.id} (cpo ${p.undone.command})`
    return {
      data: p,
      text: [title, ...alsoLines(p.alsoReverted), ...previewLines(p.plan)].join('\n'),
    }
  }
  const report = await undoOperation(repo, ref, optionsOf(g, o))
  const next =
    ref === undefined
      ? `put it back with: cpo redo · go one operation further back with: cpo undo`
      : `undo this with: cpo undo ${report.opId}`
  return {
    data: report,
    text: [
      `undid ${report.undone.id} (cpo ${report.undone.command}): ${counts(report)}`,
      ...reportLines(report),
      next,
    ].join('\n'),
  }
}

export async function redo(g: GlobalOptions, o: Flags): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  if (o.dryRun) {
    const p = await redoOperation(repo, { ...optionsOf(g, o), dryRun: true })
    const title = `would redo ${p.redone?.id} (cpo ${p.redone?.command})`
    return { data: p, text: [title, ...previewLines(p.plan)].join('\n') }
  }
  const report = await redoOperation(repo, optionsOf(g, o))
  return {
    data: report,
    text: [
      `redid ${report.redone?.id} (cpo ${report.redone?.command}): ${counts(report)}`,
      ...reportLines(report),
      'take it back again with: cpo undo',
    ].join('\n'),
  }
}

const counts = (r: UndoReport) =>
  `${r.written.length} file(s) written, ${r.removed.length} removed, ${r.refsUpdated.length} ref(s) restored`

const alsoLines = (ops: { id: string; command: string }[]) =>
  listLines(
    'also reverted (later operations):',
    ops.map((o) => `${o.id} cpo ${o.command}`),
  )

function reportLines(report: UndoReport): string[] {
  return [
    ...listLines('put back outside git:', report.effectsReverted),
    ...headLines(report.headMoved),
    ...alsoLines(report.alsoReverted),
    ...listLines(
      `changed after ${report.undone.id} and set aside (in snapshot ${report.before.id}):`,
      report.changedSince,
    ),
    ...keptLines(report.kept),
    ...changedDuringLines(report.changedDuring),
    ...listLines(
      'refs restored:',
      report.refsUpdated.map((u) => `${u.ref} → ${u.to?.slice(0, 10) ?? '(deleted)'}`),
    ),
  ]
}
