import { openRepo } from '../../adapters/repo.js'
import { recover } from '../../ops/recover.js'
import { changedDuringLines, headLines, keptLines, listLines } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function run(g: GlobalOptions): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const report = await recover(repo, g.wait === undefined ? {} : { wait: g.wait })
  const worktrees = listLines('temporary work trees removed:', report.worktreesRemoved)
  if (!report.recovered)
    return {
      data: report,
      text: [...worktrees, 'nothing to recover: no interrupted operation'].join('\n'),
    }
  const lines = [
    `recovered: back to the state before ${report.interrupted.map((o) => `${o.id} (cpo ${o.command})`).join(', ')}`,
    ...headLines(report.headMoved),
    ...listLines('files written:', report.written),
    ...listLines('files removed:', report.removed),
    ...keptLines(report.kept),
    ...changedDuringLines(report.changedDuring),
    ...listLines(
      'refs restored:',
      report.refsUpdated.map((u) => `${u.ref} → ${u.to?.slice(0, 10) ?? '(deleted)'}`),
    ),
    `the interrupted state is kept as snapshot ${report.before.id}; undo this recovery with: cpo undo ${report.opId}`,
  ]
  return { data: report, text: lines.join('\n') }
}
