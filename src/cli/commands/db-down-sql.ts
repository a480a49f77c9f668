import { openRepo } from '../../adapters/repo.js'
import { dbDownSql } from '../../ops/db/down-sql-command.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

/**
 * `cpo db down-sql <checkpoint> [--apply]`: the SQL on stdout (pipe it, read it); the statements
 * that drop data listed apart, and what was done, on stderr with the rest of the prose.
 */
export async function downSql(
  g: GlobalOptions,
  checkpoint: string,
  o: { dbUrl?: string; apply?: boolean; remote?: boolean; dryRun?: boolean; reason?: string },
): Promise<CommandOutput> {
  const r = await dbDownSql(await openRepo(g.cwd), checkpoint, {
    ...(o.dbUrl === undefined ? {} : { dbUrl: o.dbUrl }),
    ...(g.wait === undefined ? {} : { wait: g.wait }),
    ...(o.apply ? { apply: true } : {}),
    ...(o.remote ? { remote: true } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(o.reason ? { reason: o.reason } : {}),
  })
  const lines: string[] = []
  if (r.statements.length === 0) {
    lines.push(`-- ${r.live} already has the schema of ${r.checkpoint}: nothing to run`)
  } else {
    lines.push(`-- down SQL: ${r.live} back to the schema of ${r.checkpoint}, rows kept`)
    lines.push(r.sql.trimEnd())
    if (r.dataLoss.length > 0) {
      lines.push('', `-- these ${r.dataLoss.length} statement(s) drop data:`)
      for (const s of r.dataLoss) lines.push(`--   ${s}`)
    } else lines.push('', '-- no statement drops data')
    if (r.migrationRows.length > 0)
      lines.push(`-- deletes ${r.migrationRows.length} migration-history row(s) applied after it`)
    if (r.applied) {
      lines.push(`-- applied in one transaction; live was dumped first to ${r.beforeCopy}`)
      lines.push(`-- undo with: cpo undo ${r.opId}`)
    } else if (!o.dryRun) lines.push(`-- run it with: cpo db down-sql ${r.checkpoint} --apply`)
  }
  return { data: r, text: lines.join('\n') }
}
