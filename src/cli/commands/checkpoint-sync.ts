import { openRepo } from '../../adapters/repo.js'
import { cpoCommand } from '../../core/shell-quote.js'
import { CpoError } from '../../errors.js'
import { pullCheckpoints, pushCheckpoints } from '../../ops/checkpoint/sync.js'
import { listLines } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

export async function push(g: GlobalOptions, remote: string | undefined): Promise<CommandOutput> {
  const r = await pushCheckpoints(await openRepo(g.cwd), remote)
  const lines = [
    `pushed to ${r.remote}: ${r.updated.length} ref(s) sent, ${r.upToDate} already there`,
    ...listLines(
      'rejected (the remote has a different checkpoint of that name):',
      r.rejected.map((x) => `${x.ref} ${x.reason}`),
    ),
  ]
  return {
    data: r,
    text: lines.join('\n'),
    ...(r.rejected.length > 0
      ? {
          failure: new CpoError(
            'PUSH_REJECTED',
            'conflict',
            `${r.rejected.length} checkpoint ref(s) were rejected by ${r.remote}`,
            {
              hint: `See what differs with \`${cpoCommand('checkpoint', 'pull', r.remote)}\` (it keeps local checkpoints that differ).`,
              details: { rejected: r.rejected },
            },
          ),
        }
      : {}),
  }
}

export async function pull(g: GlobalOptions, remote: string | undefined): Promise<CommandOutput> {
  const r = await pullCheckpoints(
    await openRepo(g.cwd),
    remote,
    g.wait === undefined ? {} : { wait: g.wait },
  )
  const lines = [
    `pulled from ${r.remote}: ${r.fetched.length} ref(s) new or moved`,
    ...listLines('kept (differ from the remote; not overwritten):', r.kept),
    `undo with: cpo undo ${r.opId}`,
  ]
  return { data: r, text: lines.join('\n') }
}
