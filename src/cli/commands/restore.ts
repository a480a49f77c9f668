import path from 'node:path'
import { openRepo } from '../../adapters/repo.js'
import { CpoError } from '../../errors.js'
import { locateBackup } from '../../ops/backup/locate.js'
import { restoreBackup } from '../../ops/backup/restore.js'
import { restoreFromGit } from '../../ops/backup/restore-git.js'
import { listLines } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'
import { progressTo } from './backup-format.js'

interface RestoreFlags {
  store?: string
  force?: boolean
  fromGit?: string
  checkpoint?: string
  dbUrl?: string
}

/** `cpo restore <backup> <dir>` or `cpo restore --from-git <url|path> <dir>`. */
export async function run(
  g: GlobalOptions,
  first: string | undefined,
  second: string | undefined,
  o: RestoreFlags,
): Promise<CommandOutput> {
  if (o.fromGit !== undefined) {
    if (first === undefined || second !== undefined)
      throw usage('cpo restore --from-git <url|path> <dir> [--checkpoint name]')
    return fromGit(g, o.fromGit, first, o.checkpoint)
  }
  if (first === undefined || second === undefined)
    throw usage('cpo restore <backup-id|path> <dir> [--force]')
  if (o.checkpoint !== undefined) throw usage('--checkpoint goes with --from-git')
  // The store default needs a project; outside one, --store, CPO_BACKUP_STORE or a path is needed.
  const { store, backup } = await locateBackup(first, {
    store: o.store,
    cwd: g.cwd,
    repo: () =>
      openRepo(g.cwd).catch(() => {
        throw new CpoError(
          'STORE_UNKNOWN',
          'usage',
          'no backup store given and not inside a project',
          {
            hint: 'Pass --store <dir> (or set CPO_BACKUP_STORE), or give the path of the backup directory.',
          },
        )
      }),
  })
  const r = await restoreBackup(store, backup, path.resolve(g.cwd, second), {
    force: o.force === true,
    ...(o.dbUrl === undefined ? {} : { dbUrl: o.dbUrl }),
    ...progressTo(g),
  })
  const lines = [
    `restored backup ${r.id} (${r.project}, ${r.backupTime}) into ${r.target}`,
    `refs: ${r.refs}; HEAD: ${r.head.symref ?? `detached at ${r.head.commit?.slice(0, 10)}`}${r.head.checkedOut ? ' (checked out)' : ''}`,
    ...listLines('files restored:', r.files),
    ...(r.envTemplate ? [`env template: ${r.envTemplate}`] : []),
    ...(r.db ? [`database: ${r.db.redactedUrl}`] : []),
    ...listLines(
      'not restored:',
      r.notRestored.map((n) => `${n.what} — ${n.why}`),
    ),
    ...r.warnings.map((w) => `warning: ${w.message} (restored as it was backed up)`),
  ]
  return { data: r, text: lines.join('\n') }
}

async function fromGit(
  g: GlobalOptions,
  source: string,
  dir: string,
  checkpoint: string | undefined,
): Promise<CommandOutput> {
  const r = await restoreFromGit(source, dir, {
    cwd: g.cwd,
    ...(checkpoint === undefined ? {} : { checkpoint }),
  })
  const p = r.status.project
  const lines = [
    `cloned ${r.source} into ${r.target}`,
    r.checkpoint
      ? `checked out checkpoint ${r.checkpoint.name} (${r.checkpoint.date}) on new branch ${r.branch}`
      : `no checkpoint tags: on the default branch ${r.branch ?? '(none)'}`,
    `checkpoints available: ${r.checkpoints.length}`,
    p
      ? `project: ${p.name || '(unnamed)'}${p.status ? ` [${p.status}]` : ''}, ${p.progress.completedStages}/${p.progress.totalStages} stages done`
      : 'project: no master-project.json',
    ...listLines(
      'not restored:',
      r.notRestored.map((n) => `${n.what} — ${n.why}`),
    ),
  ]
  return { data: r, text: lines.join('\n') }
}

const usage = (text: string) => new CpoError('USAGE', 'usage', `usage: ${text}`)
