import { openRepo } from '../../adapters/repo.js'
import { recover } from '../../ops/recover.js'
import { changedDuringLines, headLines, keptLines, listLines, previewLines } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function run(g: GlobalOptions, o: { dryRun?: boolean } = {}): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const wait = g.wait === undefined ? {} : { wait: g.wait }
  if (o.dryRun) {
    const p = await recover(repo, { ...wait, dryRun: true })
    if (!p.recovered) return { data: p, text: 'nothing to recover: no interrupted operation' }
    const title = `would recover: back to the state before ${p.interrupted.map((op) => `${op.id} (cpo ${op.command})`).join(', ')} (snapshot ${p.target.id})`
    return {
      data: p,
      text: [title, ...previewLines(p.plan), 'nothing changed (--dry-run)'].join('\n'),
    }
  }
  const report = await recover(repo, wait)
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
