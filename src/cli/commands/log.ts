import { openRepo } from '../../adapters/repo.js'
import { operationLog } from '../../ops/log.js'
import { shortTime, table } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function run(g: GlobalOptions, o: { limit?: number }): Promise<CommandOutput> {
  const repo = await openRepo(g.cwd)
  const limit = o.limit
  const log = await operationLog(repo, limit)
  const rows = log.operations.map((op) => [
    op.id,
    shortTime(op.startedAt),
    op.status,
    [op.command, ...op.args].join(' '),
    op.summary ?? op.error ?? op.reason ?? '',
  ])
  const lines = [
    log.operations.length === 0
      ? 'no operations yet'
      : table(['ID', 'STARTED', 'STATUS', 'COMMAND', 'SUMMARY'], rows),
  ]
  if (log.damagedLines.length > 0) {
    lines.push(`warning: journal lines ${log.damagedLines.join(', ')} are damaged and were skipped`)
  }
  return { data: log, text: lines.join('\n') }
}
