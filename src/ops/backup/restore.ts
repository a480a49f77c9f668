import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { BackupStore } from '../../adapters/storage/types.js'
import { FILES_PREFIX, JOURNAL_ENTRY } from '../../core/backup/layout.js'
import { innerManifest } from '../../core/backup/manifest.js'
import type { BackupWarning } from '../../core/backup/state-check.js'
import type { BackupSummary } from '../../core/backup/summary.js'
import { CpoError } from '../../errors.js'
import { checkBackupDbTarget, restoreBackupDb } from './db-part.js'
import { type BackupProblem, extractArchive } from './extract.js'
import { requireCheckable } from './locate.js'
import { type Materialized, materialize, plannedNotRestored } from './materialize.js'
import { extractedStateWarnings } from './state-warnings.js'
import { checkTarget, cleanupTarget, prepareTarget } from './target.js'

export interface RestoreBackupOptions {
  force?: boolean
  /** Also restore the backup's database (its `db/` slot) into this new database. */
  dbUrl?: string
  onProgress?: (message: string) => void
}

export interface RestoreBackupReport extends Materialized {
  id: string
  target: string
  project: string
  backupTime: string
  /** E.g. a state file that does not parse: restored byte for byte all the same. */
  warnings: BackupWarning[]
  /** With --db-url: the database restored (password masked). */
  db?: { database: string; redactedUrl: string }
}

/** A backup whose bytes do not match its manifest; `during` says what the user was doing. */
export function damagedError(
  id: string,
  problems: BackupProblem[],
  during: 'verify' | 'restore',
  note = '',
): CpoError {
  const first = problems.slice(0, 5).map((p) => p.message)
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''
  return new CpoError(
    'BACKUP_DAMAGED',
    'invalidInput',
    `backup ${id} failed verification: ${first.join('; ')}${more}`,
    {
      hint:
        during === 'restore'
          ? 'Nothing was restored from it. Restore from another backup (`cpo backup list`).'
          : `Restore from another backup (\`cpo backup list\`), or make a new one with \`cpo backup create\`.${note}`,
      details: problems,
    },
  )
}

/**
 * `cpo restore <backup> <dir>`: extracts into a staging directory inside the target (nothing
 * is written outside it), checks every entry against the manifest, and only when all is well
 * builds the repository and lays the state files over it. A failed restore removes what it made.
 */
export async function restoreBackup(
  store: BackupStore,
  backup: BackupSummary,
  target: string,
  options: RestoreBackupOptions = {},
): Promise<RestoreBackupReport> {
  const progress = options.onProgress ?? (() => {})
  const manifest = requireCheckable(backup)
  const dir = path.resolve(target)
  // Checked before anything is written: a database that is there already is refused.
  const dbTarget =
    options.dbUrl === undefined
      ? undefined
      : await checkBackupDbTarget(manifest.db, options.dbUrl, backup.id)
  const created = await prepareTarget(dir, options.force === true)
  const staging = path.join(dir, `.cpo-restore-${randomBytes(4).toString('hex')}`)
  try {
    await fsp.mkdir(staging)
    progress(`extracting and checking backup ${backup.id}…`)
    const { problems } = await extractArchive(store, backup.id, manifest, staging, {
      stopOnArchiveMismatch: true,
    })
    if (problems.length > 0) throw damagedError(backup.id, problems, 'restore')
    const warnings = await extractedStateWarnings(staging, manifest.entries)
    progress('rebuilding the repository…')
    const done = await materialize(staging, dir, innerManifest(manifest))
    let db: { database: string; redactedUrl: string } | undefined
    if (dbTarget && manifest.db) {
      progress('restoring the database…')
      db = await restoreBackupDb(staging, manifest.db, dbTarget, backup.id)
    }
    await fsp.rm(staging, { recursive: true, force: true })
    return {
      id: backup.id,
      target: dir,
      project: manifest.project,
      backupTime: manifest.startedAt,
      ...done,
      warnings,
      ...(db ? { db } : {}),
    }
  } catch (e) {
    await cleanupTarget(dir, created, staging)
    throw e
  }
}

/** `cpo restore <backup> <dir> --dry-run`: what a restore would make, from the manifest alone. */
export interface RestoreBackupPreview {
  dryRun: true
  id: string
  target: string
  project: string
  backupTime: string
  /** `create`: the directory does not exist yet; `fill`: it is empty (or --force). */
  directory: 'create' | 'fill'
  /** What would be created inside it. */
  creates: string[]
  head: { symref: string | null; commit: string | null }
  refs: number
  /** Project files that would be put back (paths relative to the target). */
  files: string[]
  envTemplate: string | null
  /** Whether the operation journal comes back (`cpo log`, `cpo undo` in the copy). */
  journal: boolean
  notRestored: Array<{ what: string; why: string }>
  /** A dry run reads the manifest only; the archive's bytes are checked by a real restore. */
  archiveChecked: false
}

export async function previewBackupRestore(
  backup: BackupSummary,
  target: string,
  options: { force?: boolean } = {},
): Promise<RestoreBackupPreview> {
  const manifest = requireCheckable(backup)
  const dir = path.resolve(target)
  const state = await checkTarget(dir, options.force === true)
  const files = manifest.entries
    .filter((e) => e.type === 'file' && e.path.startsWith(FILES_PREFIX))
    .map((e) => e.path.slice(FILES_PREFIX.length))
    .sort()
  const envTemplate = manifest.env ? `${manifest.env.source}.redacted` : null
  const journal = manifest.entries.some((e) => e.path === JOURNAL_ENTRY)
  return {
    dryRun: true,
    id: backup.id,
    target: dir,
    project: manifest.project,
    backupTime: manifest.startedAt,
    directory: state === 'missing' ? 'create' : 'fill',
    creates: [
      ...(state === 'missing' ? [`${dir}/`] : []),
      '.git/ (a repository with every ref of the backup)',
      ...(journal ? ['.git/cpo/oplog.jsonl (the operation journal)'] : []),
      ...(manifest.git.head ? ['the checked-out work tree'] : []),
      ...(envTemplate ? [envTemplate] : []),
    ],
    head: { symref: manifest.git.headSymref, commit: manifest.git.head },
    refs: Object.keys(manifest.git.refs).length,
    files,
    envTemplate,
    journal,
    notRestored: plannedNotRestored(innerManifest(manifest)),
    archiveChecked: false,
  }
}
