import { git } from '../../adapters/git.js'
import type { Repo } from '../../adapters/repo.js'
import { CHECKPOINT_TAG_PREFIX } from '../../core/checkpoint/names.js'
import { CpoError } from '../../errors.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'

/** Checkpoint tags and everything cpo keeps under refs/cpo (snapshots, parked tags). */
export const SYNC_REFSPECS = [
  `${CHECKPOINT_TAG_PREFIX}*:${CHECKPOINT_TAG_PREFIX}*`,
  'refs/cpo/*:refs/cpo/*',
]

export interface PushReport {
  remote: string
  /** Refs the remote did not have or that moved forward. */
  updated: string[]
  upToDate: number
  /** Refs the remote refused (a different checkpoint of the same name there). */
  rejected: Array<{ ref: string; reason: string }>
}

function checkRemote(remote: string): string {
  if (remote === '' || remote.startsWith('-') || /[\s\0]/.test(remote)) {
    throw new CpoError(
      'INVALID_REMOTE',
      'invalidInput',
      `invalid remote ${JSON.stringify(remote)}`,
      {
        hint: 'Name a configured remote (see `git remote -v`) or give a URL or path.',
      },
    )
  }
  return remote
}

/**
 * `cpo checkpoint push [remote]`: sends checkpoint tags and refs/cpo/* so teammates and CI see
 * them. Never forced: a checkpoint the remote holds under the same name is reported, not
 * overwritten. Snapshots carry untracked (not ignored) files too; that is what makes them exact.
 */
export async function pushCheckpoints(repo: Repo, remote = 'origin'): Promise<PushReport> {
  const r = await git(repo.root, ['push', '--porcelain', checkRemote(remote), ...SYNC_REFSPECS], {
    okCodes: [1],
  })
  const report: PushReport = { remote, updated: [], upToDate: 0, rejected: [] }
  for (const line of r.stdout.split('\n')) {
    const m = /^(.)\t([^:]*):([^\t]*)\t(.*)$/.exec(line)
    if (!m) continue
    const [, flag, , to, summary] = m as unknown as [string, string, string, string, string]
    if (flag === '=') report.upToDate++
    else if (flag === '!') report.rejected.push({ ref: to, reason: summary })
    else report.updated.push(to)
  }
  if (r.code !== 0 && report.rejected.length === 0) {
    const first = r.stderr.split('\n').find((l) => l.startsWith('fatal:') || l.startsWith('error:'))
    throw new CpoError('GIT_FAILED', 'external', `git push failed: ${first ?? r.stderr.trim()}`)
  }
  return report
}

export interface PullReport extends OperationReport {
  remote: string
  /** Refs created or moved here, with their new object. */
  fetched: Array<{ ref: string; to: string }>
  /** Local checkpoints that differ from the remote's and were kept as they are. */
  kept: string[]
}

/**
 * `cpo checkpoint pull [remote]`: fetches checkpoint tags and refs/cpo/*. Journaled like any
 * change, so `cpo undo` removes the tags it brought. Never forced: a local checkpoint is never
 * replaced by the remote's.
 */
export async function pullCheckpoints(
  repo: Repo,
  remote = 'origin',
  options: { wait?: number } = {},
): Promise<PullReport> {
  const outcome = await runOperation(repo, {
    command: 'checkpoint pull',
    args: [remote],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    captureAfter: true,
    plan: async () => ({ remote: checkRemote(remote) }),
    apply: async (ctx, plan) => {
      const before = await syncedRefs(ctx.repo)
      const r = await git(
        ctx.repo.root,
        ['fetch', '--no-write-fetch-head', plan.remote, ...SYNC_REFSPECS],
        {
          okCodes: [1],
        },
      )
      const kept = [...r.stderr.matchAll(/\[rejected\][^\n]*->\s*(\S+)/g)].map(
        (m) => m[1] as string,
      )
      if (r.code !== 0 && kept.length === 0) {
        const first = r.stderr
          .split('\n')
          .find((l) => l.startsWith('fatal:') || l.startsWith('error:'))
        throw new CpoError(
          'GIT_FAILED',
          'external',
          `git fetch failed: ${first ?? r.stderr.trim()}`,
        )
      }
      const after = await syncedRefs(ctx.repo)
      const fetched = Object.entries(after)
        .filter(([ref, to]) => before[ref] !== to)
        .map(([ref, to]) => ({ ref, to }))
      return {
        summary: `fetched ${fetched.length} ref(s) from ${plan.remote}`,
        result: { fetched, kept },
      }
    },
  })
  if (outcome.dryRun) throw new Error('unreachable: no dry run here')
  return { ...reportOf(outcome), remote, ...outcome.result }
}

async function syncedRefs(repo: Repo): Promise<Record<string, string>> {
  const { stdout } = await git(repo.root, [
    'for-each-ref',
    '--format=%(refname) %(objectname)',
    CHECKPOINT_TAG_PREFIX,
    'refs/cpo/',
  ])
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  )
}
