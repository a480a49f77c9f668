import { openRepo } from '../../adapters/repo.js'
import { undoOperation } from '../../ops/undo.js'
import { changedDuringLines, headLines, keptLines, listLines } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function run(
  g: GlobalOptions,
  ref: string | undefined,
  o: { reason?: string },
): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const report = await undoOperation(repo, ref, {
    ...(o.reason === undefined ? {} : { reason: o.reason }),
    ...(g.wait === undefined ? {} : { wait: g.wait }),
    confirmed: g.yes,
  })
  const lines = [
    `undid ${report.undone.id} (cpo ${report.undone.command}): ${report.written.length} file(s) written, ${report.removed.length} removed, ${report.refsUpdated.length} ref(s) restored`,
    ...headLines(report.headMoved),
    ...listLines(
      'also reverted (later operations):',
      report.alsoReverted.map((o) => `${o.id} cpo ${o.command}`),
    ),
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
    `redo with: cpo undo ${report.opId}`,
  ]
  return { data: report, text: lines.join('\n') }
}
