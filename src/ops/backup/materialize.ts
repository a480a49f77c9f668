import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { git } from '../../adapters/git.js'
import { journalPath } from '../../adapters/journal.js'
import { openRepo } from '../../adapters/repo.js'
import { SNAPSHOT_REF_PREFIX } from '../../adapters/snapshot/types.js'
import { type JournalContents, journalContents } from '../../core/backup/journal.js'
import {
  BUNDLE_ENTRY,
  CHECKPOINTS_DIR,
  ENV_ENTRY,
  FILES_PREFIX,
  JOURNAL_ENTRY,
} from '../../core/backup/layout.js'
import type { BackupManifest } from '../../core/backup/manifest.js'

export interface Materialized {
  head: { symref: string | null; commit: string | null; checkedOut: string | null }
  refs: number
  /** Project files put back from the archive (paths relative to the target). */
  files: string[]
  /** Where the redacted env template was written, if there was one. */
  envTemplate: string | null
  /** The operation journal put back into `.git/cpo/`, or null when the backup has none. */
  journal: RestoredJournal | null
  notRestored: Array<{ what: string; why: string }>
}

export interface RestoredJournal extends JournalContents {
  path: string
  /** Snapshots the journal names that the restored repository lacks. */
  missingSnapshots: string[]
}

/** What a git bundle cannot carry, said on every restore so nobody expects it. */
const NEVER_IN_A_BUNDLE = [
  {
    what: 'reflogs, hooks and git config (remotes, user settings)',
    why: 'a git bundle carries refs and objects only',
  },
  {
    what: 'uncommitted changes outside the state files',
    why: 'a backup takes committed history plus the cpo state files',
  },
]

/**
 * Turns an extracted, verified backup (`staging`) into a working repository at `target`: every
 * ref fetched as is (`refs/*:refs/*` keeps notes, stash and refs/cpo, which `git clone` drops),
 * HEAD set to the recorded branch (a bundle does not say which one) or detached commit and
 * checked out, then the state files and `.checkpoints/` laid over it.
 */
export async function materialize(
  staging: string,
  target: string,
  manifest: BackupManifest,
): Promise<Materialized> {
  await git(target, ['init', '-q'])
  // --update-head-ok: the fresh repository's unborn HEAD branch may be one of the fetched refs.
  await git(target, [
    'fetch',
    '-q',
    '--update-head-ok',
    '--no-write-fetch-head',
    path.join(staging, BUNDLE_ENTRY),
    'refs/*:refs/*',
  ])
  const refs = manifest.git.refs
  const notRestored = plannedNotRestored(manifest)
  if (refs['refs/stash']) {
    // `git stash list` reads the reflog, which a bundle does not carry: start a fresh one (an
    // update to the same value writes no reflog entry, hence the delete first).
    const stash = refs['refs/stash']
    await git(target, ['update-ref', '-d', 'refs/stash'])
    const subject = (await git(target, ['log', '-1', '--format=%s', stash])).stdout.trim()
    await git(target, ['update-ref', '--create-reflog', '-m', subject, 'refs/stash', stash])
  }
  let checkedOut: string | null = null
  const { headSymref, head } = manifest.git
  if (headSymref !== null) {
    await git(target, ['symbolic-ref', 'HEAD', headSymref])
    if (refs[headSymref]) {
      await git(target, ['checkout', '-q', '-f', headSymref.replace(/^refs\/heads\//, '')])
      checkedOut = headSymref
    }
  } else if (head !== null) {
    await git(target, ['checkout', '-q', '-f', '--detach', head])
    checkedOut = head
  }

  const files: string[] = []
  const fromDir = path.join(staging, FILES_PREFIX)
  const tree = await listTree(fromDir)
  for (const rel of tree.emptyDirs) await fsp.mkdir(path.join(target, rel), { recursive: true })
  for (const rel of tree.files) {
    const dest = path.join(target, rel)
    await fsp.mkdir(path.dirname(dest), { recursive: true })
    await fsp.rm(dest, { force: true })
    await fsp.rename(path.join(fromDir, rel), dest)
    files.push(rel)
  }
  const exclude = [`/${CHECKPOINTS_DIR}/`]
  let envTemplate: string | null = null
  if (manifest.env) {
    envTemplate = `${manifest.env.source}.redacted`
    await fsp.rm(path.join(target, envTemplate), { force: true })
    await fsp.rename(path.join(staging, ENV_ENTRY), path.join(target, envTemplate))
    exclude.push(`/${envTemplate}`)
  }
  await addExcludes(target, exclude)
  const journal = await restoreJournal(staging, target, manifest)
  if (journal?.missingSnapshots.length) {
    notRestored.push({
      what: `snapshots named by the operation journal: ${journal.missingSnapshots.join(', ')}`,
      why: 'they were gone from the repository when the backup was made; undo and recover of the operations that need them cannot run',
    })
  }
  return {
    head: { symref: headSymref, commit: head, checkedOut },
    refs: Object.keys(refs).length,
    files,
    envTemplate,
    journal,
    notRestored,
  }
}

/** What a restore of this backup cannot bring back, known from its manifest alone. */
export function plannedNotRestored(manifest: BackupManifest): Array<{ what: string; why: string }> {
  const notRestored = [...NEVER_IN_A_BUNDLE]
  const { refs, headSymref } = manifest.git
  if (refs['refs/stash']) {
    notRestored.push({
      what: 'stash entries older than stash@{0}, if there were any',
      why: 'they live in the stash reflog, which a bundle does not carry; the newest is back',
    })
  }
  if (headSymref !== null && !refs[headSymref]) {
    notRestored.push({
      what: `a checkout of ${headSymref}`,
      why: 'that branch had no commits when the backup was made',
    })
  }
  if (manifest.env && manifest.env.redacted.length > 0) {
    notRestored.push({
      what: `secret values in ${manifest.env.source}: ${manifest.env.redacted.join(', ')}`,
      why: `backups keep only a redacted template (${manifest.env.source}.redacted); fill them in again`,
    })
  }
  const hasJournal = manifest.entries.some((e) => e.path === JOURNAL_ENTRY)
  if (!hasJournal && Object.keys(refs).some((r) => r.startsWith(SNAPSHOT_REF_PREFIX))) {
    notRestored.push({
      what: 'the operation journal (`cpo log`, `cpo undo`)',
      why: 'this backup was made before backups carried it; the snapshots are back (`cpo snapshot list`)',
    })
  }
  for (const s of manifest.skipped) notRestored.push({ what: s.path, why: s.reason })
  return notRestored
}

/**
 * Puts the journal where cpo reads it and checks that every snapshot it names came back with
 * the refs (a snapshot dropped before the backup was made cannot).
 */
async function restoreJournal(
  staging: string,
  target: string,
  manifest: BackupManifest,
): Promise<RestoredJournal | null> {
  if (!manifest.entries.some((e) => e.path === JOURNAL_ENTRY)) return null
  const repo = await openRepo(target)
  const dest = journalPath(repo.cpoDir)
  await fsp.mkdir(path.dirname(dest), { recursive: true })
  await fsp.rename(path.join(staging, JOURNAL_ENTRY), dest)
  const contents = journalContents(await fsp.readFile(dest, 'utf8'))
  const { stdout } = await git(target, ['for-each-ref', '--format=%(refname)', SNAPSHOT_REF_PREFIX])
  const present = new Set(stdout.split('\n').map((r) => r.slice(SNAPSHOT_REF_PREFIX.length)))
  return {
    path: path.relative(target, dest),
    ...contents,
    missingSnapshots: contents.snapshots.filter((id) => !present.has(id)),
  }
}

async function listTree(
  dir: string,
  rel = '',
  out: { files: string[]; emptyDirs: string[] } = { files: [], emptyDirs: [] },
): Promise<{ files: string[]; emptyDirs: string[] }> {
  let entries: import('node:fs').Dirent[]
  try {
    entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true })
  } catch {
    return out
  }
  // An empty directory (e.g. .checkpoints/ with nothing in it yet) still comes back.
  if (entries.length === 0 && rel !== '') out.emptyDirs.push(rel)
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) await listTree(dir, r, out)
    else if (e.isFile()) out.files.push(r)
  }
  return out
}

/** Sidecars stay out of commits the same way checkpoints keep them out: .git/info/exclude. */
async function addExcludes(target: string, patterns: string[]): Promise<void> {
  const file = path.join(target, '.git', 'info', 'exclude')
  await fsp.mkdir(path.dirname(file), { recursive: true })
  const current = await fsp.readFile(file, 'utf8').catch(() => '')
  const lines = current.split('\n')
  const missing = patterns.filter((p) => !lines.includes(p))
  if (missing.length === 0) return
  const sep = current === '' || current.endsWith('\n') ? '' : '\n'
  await fsp.appendFile(file, `${sep}${missing.join('\n')}\n`)
}
