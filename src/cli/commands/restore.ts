import path from 'node:path'
import type { BackupSummary } from '../../core/backup/summary.js'
import { CpoError } from '../../errors.js'
import { locateBackup } from '../../ops/backup/locate.js'
import {
  previewBackupRestore,
  type RestoreBackupReport,
  restoreBackup,
} from '../../ops/backup/restore.js'
import {
  previewRestoreFromGit,
  type RestoreFromGitReport,
  restoreFromGit,
} from '../../ops/backup/restore-git.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import { listLines } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'
import { progressTo } from './backup-format.js'

interface RestoreFlags {
  store?: string
  force?: boolean
  fromGit?: string
  checkpoint?: string
  dryRun?: boolean
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
    return o.dryRun
      ? fromGitDryRun(g, o.fromGit, first, o.checkpoint)
      : fromGit(g, o.fromGit, first, o.checkpoint)
  }
  if (first === undefined || second === undefined)
    throw usage('cpo restore <backup-id|path> <dir> [--force]')
  if (o.checkpoint !== undefined) throw usage('--checkpoint goes with --from-git')
  // The store default needs a project; outside one, --store, CPO_BACKUP_STORE or a path is needed.
  const { store, backup } = await locateBackup(first, {
    store: o.store,
    cwd: g.cwd,
    repo: () =>
      openProjectRepo(g.cwd, g).catch(() => {
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
  if (o.dryRun) return dryRun(backup, path.resolve(g.cwd, second), o.force === true)
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
    ...journalLines(r),
    ...(r.db ? [`database: ${r.db.redactedUrl}`] : []),
    ...listLines(
      'not restored:',
      r.notRestored.map((n) => `${n.what} — ${n.why}`),
    ),
    ...r.warnings.map((w) => `warning: ${w.message} (restored as it was backed up)`),
  ]
  return { data: r, text: lines.join('\n') }
}

function journalLines(r: RestoreBackupReport): string[] {
  const j = r.journal
  if (!j) return []
  const where = `cpo -C ${JSON.stringify(r.target)}`
  return [
    `operation journal: ${j.operations} operation(s) back in ${j.path} (see \`${where} log\`)`,
    j.pending.length > 0
      ? `interrupted when the backup was made: ${j.pending.join(', ')}; run \`${where} recover\` first`
      : `undo the last operation there with: ${where} undo`,
  ]
}

async function dryRun(backup: BackupSummary, target: string, force: boolean) {
  const p = await previewBackupRestore(backup, target, { force })
  const head = p.head.symref
    ? `${p.head.symref.replace('refs/heads/', '')} at ${p.head.commit?.slice(0, 10) ?? '(no commits)'}`
    : `detached at ${p.head.commit?.slice(0, 10)}`
  const lines = [
    `would restore backup ${p.id} (${p.project}, ${p.backupTime}) into ${p.target}${p.directory === 'create' ? ' (a new directory)' : ''}`,
    ...listLines('would create:', p.creates),
    `refs: ${p.refs}; HEAD: ${head}`,
    ...listLines(`files that would be put back (${p.files.length}):`, p.files),
    ...listLines(
      'not restored:',
      p.notRestored.map((n) => `${n.what} — ${n.why}`),
    ),
    'nothing changed (--dry-run); the archive itself is checked by the restore (or `cpo backup verify`)',
  ]
  return { data: p, text: lines.join('\n') }
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
    ...fromGitHeadLines(r),
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

async function fromGitDryRun(
  g: GlobalOptions,
  source: string,
  dir: string,
  checkpoint: string | undefined,
): Promise<CommandOutput> {
  const p = await previewRestoreFromGit(source, dir, {
    cwd: g.cwd,
    ...(checkpoint === undefined ? {} : { checkpoint }),
  })
  const d = p.defaultBranch
  const lines = [
    `would clone ${p.source} into ${p.target}${p.directory === 'create' ? ' (a new directory)' : ''}`,
    d
      ? `default branch: ${d.name} at ${d.commit.slice(0, 10)} (a local branch tracking origin/${d.name})`
      : 'the remote has no default branch',
    p.branch
      ? `would check out ${p.branch} at ${p.commit?.slice(0, 10)}`
      : p.newestCheckpoint
        ? `would check out the newest checkpoint ${p.newestCheckpoint}`
        : 'would check nothing out',
    `checkpoints there: ${p.checkpoints.map((c) => c.name).join(', ') || 'none'}`,
    'nothing changed (--dry-run)',
  ]
  return { data: p, text: lines.join('\n') }
}

function fromGitHeadLines(r: RestoreFromGitReport): string[] {
  const d = r.defaultBranch
  const n = r.newestCheckpoint
  const head = r.checkpoint
    ? `checked out checkpoint ${r.checkpoint.name} (${r.checkpoint.date}) on new branch ${r.branch}${d ? `; ${d.name} is at the default tip ${d.commit.slice(0, 10)}` : '; the remote has no default branch (its HEAD names none), so the newest checkpoint came back'}`
    : d
      ? `on branch ${d.name} (tracking origin/${d.name}) at the default tip ${d.commit.slice(0, 10)}`
      : 'the remote has no default branch and no checkpoint: nothing checked out'
  if (!n || !d || !r.sinceNewest) return [head]
  const { ahead, notOnDefault } = r.sinceNewest
  const since =
    ahead === 0 && notOnDefault === 0
      ? `${d.name} is at the newest checkpoint ${n.name} (${n.date})`
      : `${d.name} is ${ahead} commit(s) ahead of the newest checkpoint ${n.name} (${n.date})${notOnDefault > 0 ? `, which has ${notOnDefault} commit(s) not on ${d.name}` : ''}`
  const pick = r.checkpoint ? [] : [`restore a checkpoint instead with: --checkpoint ${n.name}`]
  return [head, since, ...pick]
}

const usage = (text: string) => new CpoError('USAGE', 'usage', `usage: ${text}`)
