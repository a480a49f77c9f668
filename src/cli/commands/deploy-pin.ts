import { openRepo } from '../../adapters/repo.js'
import { EXIT } from '../../errors.js'
import { commitRollback, revertRollback } from '../../ops/deploy/pin.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

const wait = (g: GlobalOptions) => (g.wait === undefined ? {} : { wait: g.wait })

export async function commit(g: GlobalOptions): Promise<CommandOutput> {
  const r = await commitRollback(await openRepo(g.cwd), wait(g))
  return {
    data: r,
    text: `${r.platform}: kept the rollback to ${r.kept}; the app is unpinned and deploys run again`,
  }
}

export async function revert(g: GlobalOptions, o: { timeout?: string }): Promise<CommandOutput> {
  const r = await revertRollback(await openRepo(g.cwd), {
    ...wait(g),
    ...(o.timeout === undefined ? {} : { timeoutSeconds: Number(o.timeout) }),
  })
  const h = r.health
  return {
    data: r,
    text: [
      `${r.platform}: rollback reverted (${r.job.state}${r.job.servingId ? `, serving ${r.job.servingId}` : ''})`,
      h
        ? `health: ${h.url} ${h.healthy ? `answered ${h.status} (healthy)` : `UNHEALTHY (${h.status ?? h.error ?? 'no answer'})`}`
        : '',
      `undo with: cpo undo ${r.opId}`,
    ]
      .filter(Boolean)
      .join('\n'),
    ...(r.job.state !== 'succeeded' || (h !== null && !h.healthy)
      ? { exitCode: EXIT.external }
      : {}),
  }
}
