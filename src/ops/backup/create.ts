import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { checkedOutput, compress, zstdAvailable } from '../../adapters/archive/compression.js'
import { digested } from '../../adapters/archive/digest.js'
import { walkSource } from '../../adapters/archive/sources.js'
import { type TarItem, tarChunks, type WrittenEntry } from '../../adapters/archive/tar-write.js'
import { failpoint } from '../../adapters/failpoint.js'
import { git } from '../../adapters/git.js'
import { journalPath } from '../../adapters/journal.js'
import { type Repo, statePaths } from '../../adapters/repo.js'
import type { BackupStore } from '../../adapters/storage/types.js'
import { wholeLines } from '../../core/backup/journal.js'
import {
  archiveName,
  BUNDLE_ENTRY,
  CHECKPOINTS_DIR,
  DB_DIR,
  ENV_ENTRY,
  FILES_PREFIX,
  JOURNAL_ENTRY,
  MANIFEST_ENTRY,
} from '../../core/backup/layout.js'
import {
  type BackupManifest,
  buildManifest,
  type Compression,
  serializeManifest,
} from '../../core/backup/manifest.js'
import {
  type BackupWarning,
  isCheckedStateEntry,
  MAX_CHECKED_STATE_BYTES,
} from '../../core/backup/state-check.js'
import { newId } from '../../core/ids.js'
import { CpoError } from '../../errors.js'
import { VERSION } from '../../version.js'
import { envTemplate } from '../checkpoint/sidecars.js'
import { readBundleRefs } from './bundle.js'
import { databaseForBackup } from './db-part.js'
import { makeScratch, repoScratchBase } from './scratch.js'
import { stateWarning } from './state-warnings.js'

export interface CreateBackupOptions {
  project: string
  tags?: string[]
  /** Default: zstd when the `zstd` CLI is on PATH, else gzip. */
  compression?: Compression
  pin?: boolean
  /** Fill the `db/` slot with a copy of the project's database (src/ops/backup/db-part.ts). */
  withDb?: boolean
  wait?: number
  onProgress?: (message: string) => void
}

export interface CreateBackupReport {
  id: string
  store: string
  project: string
  archive: { name: string; size: number; sha256: string }
  compression: Compression
  entries: number
  refs: number
  head: { symref: string | null; commit: string | null }
  env: BackupManifest['env']
  skipped: BackupManifest['skipped']
  db: BackupManifest['db']
  /** Not damage: e.g. a state file that does not parse, carried byte for byte all the same. */
  warnings: BackupWarning[]
  startedAt: string
  finishedAt: string
  durationMs: number
}

/**
 * `cpo backup create`: bundles every ref, adds the state files, `.checkpoints/` and the redacted
 * env template, and streams it all as one compressed tar into the store. The project's files and
 * refs are only read; the bundle is written to cpo's own `.git/cpo/backup-tmp/` (see scratch.ts),
 * not to the system temp directory, where a killed run's copy would stay for ever (that is only
 * the fallback for a read-only repository, swept the same way). The manifest is committed last,
 * so an interrupted run is never listed as complete.
 */
export async function createBackup(
  repo: Repo,
  store: BackupStore,
  options: CreateBackupOptions,
): Promise<CreateBackupReport> {
  const progress = options.onProgress ?? (() => {})
  const started = new Date()
  const compression = options.compression ?? ((await zstdAvailable()) ? 'zstd' : 'gzip')
  const head = await readHead(repo)
  const scratch = await makeScratch([repoScratchBase(repo), os.tmpdir()], 'backup')
  let lock: Awaited<ReturnType<BackupStore['lock']>> | undefined
  let id: string | undefined
  try {
    // Read before the bundle is made: every snapshot the journal names then exists and is
    // bundled (a snapshot is recorded before the journal names it).
    const journal = await readJournalBytes(repo)
    progress('bundling every ref…')
    const bundle = path.join(scratch.path, BUNDLE_ENTRY)
    await bundleAll(repo, bundle)
    const refs = await readBundleRefs(bundle)
    // The bundle is the truth for what was captured; HEAD's commit comes from it when present.
    const headCommit = refs.HEAD ?? head.commit
    delete refs.HEAD

    lock = await store.lock('backup create', options.wait)
    id = newId(started, randomBytes(2).toString('hex'))
    const written: WrittenEntry[] = []
    const skipped: BackupManifest['skipped'] = []
    const warnings: BackupWarning[] = []
    const env = await envTemplate(repo)
    const mtime = Math.floor(started.getTime() / 1000)
    const backupId = id
    const bundleSize = (await fsp.stat(bundle)).size
    if (options.withDb) progress('copying the database…')
    const dbPart = options.withDb ? await databaseForBackup(repo, scratch.path) : undefined

    async function* items(): AsyncGenerator<TarItem> {
      yield {
        name: BUNDLE_ENTRY,
        type: 'file',
        mode: 0o644,
        mtime,
        content: { file: bundle, size: bundleSize },
      }
      failpoint('backup-streaming')
      for (const node of [
        ...(
          await Promise.all(backedUpStateFiles(repo).map((f) => walkSource(repo.root, f)))
        ).flat(),
        ...(await walkSource(repo.root, CHECKPOINTS_DIR)),
      ]) {
        const name = `${FILES_PREFIX}${node.rel}`
        if (node.kind === 'dir') yield { name, type: 'dir', mode: node.mode, mtime }
        else if (node.kind === 'file') {
          const file = path.join(repo.root, node.rel)
          // A state file is checked in the very bytes that go into the archive.
          const content =
            isCheckedStateEntry(name) && node.size <= MAX_CHECKED_STATE_BYTES
              ? await fsp.readFile(file)
              : { file, size: node.size }
          if (Buffer.isBuffer(content)) {
            const warning = await stateWarning(name, content)
            if (warning) warnings.push(warning)
          }
          yield { name, type: 'file', mode: node.mode, mtime, content }
        } else
          skipped.push({
            path: node.rel,
            reason: node.unsupported ?? `${node.kind}: only regular files are backed up`,
          })
      }
      if (journal) yield { name: JOURNAL_ENTRY, type: 'file', mode: 0o644, mtime, content: journal }
      if (env)
        yield { name: ENV_ENTRY, type: 'file', mode: 0o600, mtime, content: Buffer.from(env.text) }
      yield { name: DB_DIR.slice(0, -1), type: 'dir', mode: 0o755, mtime }
      if (dbPart) {
        const { path: name, size } = dbPart.manifest
        yield { name, type: 'file', mode: 0o600, mtime, content: { file: dbPart.file, size } }
      }
      progress('writing the manifest…')
      const manifest = buildManifest({
        id: backupId,
        tool: { name: 'cpo', version: VERSION },
        project: options.project,
        host: os.hostname(),
        user: userName(),
        startedAt: started.toISOString(),
        finishedAt: new Date().toISOString(),
        compression,
        tags: options.tags ?? [],
        pinned: options.pin === true,
        git: { headSymref: head.symref, head: headCommit, refs },
        entries: written.map(toManifestEntry),
        env: env ? { source: env.source, redacted: env.redacted } : null,
        db: dbPart?.manifest ?? null,
        skipped,
      })
      finalManifest = manifest
      yield {
        name: MANIFEST_ENTRY,
        type: 'file',
        mode: 0o644,
        mtime,
        content: Buffer.from(serializeManifest(manifest)),
      }
    }
    let finalManifest: BackupManifest | undefined

    progress(`writing backup ${id} (${compression})…`)
    const tar = Readable.from(
      tarChunks(items(), (e) => {
        if (e.path !== MANIFEST_ENTRY) written.push(e)
      }),
      { objectMode: false },
    )
    const packed = compress(tar, compression)
    const hashed = digested(checkedOutput(packed))
    const name = archiveName(compression)
    await store.writeArchive(id, name, hashed.stream)
    failpoint('backup-archive-written')
    const manifest = finalManifest as BackupManifest | undefined
    if (!manifest) throw new Error('archive ended before its manifest was written')
    const archive = { name, ...hashed.result() }
    await store.commit(id, serializeManifest({ ...manifest, archive }))
    const finished = new Date()
    return {
      id,
      store: store.location,
      project: options.project,
      archive,
      compression,
      entries: manifest.entries.length,
      refs: Object.keys(refs).length,
      head: { symref: head.symref, commit: headCommit },
      env: manifest.env,
      skipped,
      db: manifest.db,
      warnings,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
    }
  } catch (e) {
    // A failed run removes its own leftovers; a crashed one leaves an incomplete backup that
    // `list` flags and `prune` removes.
    if (id !== undefined) await store.remove(id).catch(() => {})
    throw e
  } finally {
    await lock?.release()
    await scratch.remove()
  }
}

const toManifestEntry = (e: WrittenEntry) => ({
  path: e.path,
  type: e.type,
  size: e.size,
  mode: e.mode,
  ...(e.sha256 === undefined ? {} : { sha256: e.sha256 }),
})

async function readHead(repo: Repo): Promise<{ symref: string | null; commit: string | null }> {
  const sym = await git(repo.root, ['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] })
  const commit = await git(repo.root, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], {
    okCodes: [1],
  })
  return { symref: sym.stdout.trim() || null, commit: commit.stdout.trim() || null }
}

/** The operation journal's whole lines, or undefined when there is none (or it is empty). */
async function readJournalBytes(repo: Repo): Promise<Buffer | undefined> {
  try {
    const bytes = wholeLines(await fsp.readFile(journalPath(repo.cpoDir)))
    return bytes.length > 0 ? bytes : undefined
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}

async function bundleAll(repo: Repo, file: string): Promise<void> {
  const any = await git(repo.root, ['for-each-ref', '--count=1', '--format=%(refname)'])
  if (any.stdout.trim() === '') {
    throw new CpoError(
      'BACKUP_EMPTY_REPOSITORY',
      'invalidInput',
      `${repo.root} has no commits yet: nothing to back up`,
      {
        hint: 'Commit something first (git cannot bundle a repository without refs).',
      },
    )
  }
  await git(repo.root, ['bundle', 'create', '-q', file, '--all'])
}

function userName(): string {
  try {
    return os.userInfo().username
  } catch {
    return process.env.USER ?? 'unknown'
  }
}

/** The state files a backup carries, where the repository keeps them (`statePaths`). */
const backedUpStateFiles = (repo: Repo): string[] => {
  const s = statePaths(repo)
  return [s.project, s.progress]
}
