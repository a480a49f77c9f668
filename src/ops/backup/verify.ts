import { createHash } from 'node:crypto'
import { createReadStream, promises as fsp } from 'node:fs'
import path from 'node:path'
import { git } from '../../adapters/git.js'
import type { Repo } from '../../adapters/repo.js'
import type { BackupStore } from '../../adapters/storage/types.js'
import { BUNDLE_ENTRY, FILES_PREFIX } from '../../core/backup/layout.js'
import { innerManifest, type StoredManifest } from '../../core/backup/manifest.js'
import type { BackupWarning } from '../../core/backup/state-check.js'
import type { BackupSummary } from '../../core/backup/summary.js'
import { isCpoError } from '../../errors.js'
import { readBundleRefs, verifyBundle } from './bundle.js'
import { backupDbProblems } from './db-part.js'
import { type BackupProblem, extractArchive } from './extract.js'
import { materialize } from './materialize.js'
import { updateMeta } from './meta-update.js'
import { makeScratch, verifyScratchBases } from './scratch.js'
import { extractedStateWarnings } from './state-warnings.js'

export interface VerifyOptions {
  /** Also restore into a temp directory and compare refs and files with the manifest. */
  deep?: boolean
  wait?: number
  onProgress?: (message: string) => void
  /** The project verify runs in, if any: its `.git/cpo/` holds scratch for remote stores. */
  repo?: () => Promise<Repo>
}

export interface VerifyReport {
  id: string
  store: string
  ok: boolean
  deep: boolean
  problems: BackupProblem[]
  /** Not damage (an invalid state file is carried as it is): reported, never a failure. */
  warnings: BackupWarning[]
  /** Entries checked (sha256 and size) and refs checked in the bundle. */
  entries: number
  refs: number
  verifiedAt: string | null
  /** False when the store was busy and the result could not be written to its metadata. */
  recorded: boolean
  durationMs: number
}

/**
 * `cpo backup verify [--deep]`: the archive's checksum, every entry against the manifest, the
 * bundle inside a scratch repository; `--deep` adds a real test restore. Integrity is what can
 * fail it: the state files are parsed too, but one that does not parse is a warning (the backup
 * holds exactly what the project held, which is what a restore must bring back). Every problem
 * found is reported (not just the first), and the result, good or bad, is recorded in the
 * backup's metadata: `list` shows a failed one as damaged, prune keeps the newest verified one.
 */
export async function verifyBackup(
  store: BackupStore,
  backup: BackupSummary,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = Date.now()
  const progress = options.onProgress ?? (() => {})
  const deep = options.deep === true
  const base = { id: backup.id, store: store.location, deep }
  const manifest = backup.manifest
  if (!backup.checkable || !manifest) {
    const problems = [
      {
        code: backup.status === 'incomplete' ? 'BACKUP_INCOMPLETE' : 'BACKUP_DAMAGED',
        message: backup.problem ?? backup.status,
      },
    ]
    return {
      ...base,
      ok: false,
      problems,
      warnings: [],
      entries: 0,
      refs: 0,
      verifiedAt: null,
      recorded: false,
      durationMs: Date.now() - started,
    }
  }
  const scratch = await makeScratch(await verifyScratchBases(store, options.repo), 'verify')
  const tmp = scratch.path
  try {
    const staging = path.join(tmp, 'extract')
    await fsp.mkdir(staging)
    progress(`checking ${manifest.archive.name} and its ${manifest.entries.length} entries…`)
    const { problems } = await extractArchive(store, backup.id, manifest, staging)
    const extractedOk = problems.length === 0
    const warnings: BackupWarning[] = []
    if (extractedOk) {
      progress('verifying the git bundle in a scratch repository…')
      problems.push(...(await bundleProblems(staging, path.join(tmp, 'scratch.git'), manifest)))
      warnings.push(...(await extractedStateWarnings(staging, manifest.entries)))
      problems.push(...(await backupDbProblems(staging, manifest.db)))
    }
    if (deep && problems.length === 0) {
      progress('test restore into a temporary directory…')
      problems.push(...(await deepProblems(staging, path.join(tmp, 'restore'), manifest)))
    }
    const ok = problems.length === 0
    const at = new Date().toISOString()
    // Recording the result is a bonus: a busy store (a long create holds its lock) must not
    // turn a good verification into a failure.
    let recorded = true
    try {
      await updateMeta(
        store,
        backup.id,
        (m) => ({
          ...m,
          ...(ok ? { verifiedAt: at, verifiedDeep: deep } : {}),
          lastVerify: { at, ok, deep, problems: problems.map((p) => p.message) },
        }),
        options.wait,
      )
    } catch (e) {
      if (!isCpoError(e) || e.code !== 'STORE_LOCKED') throw e
      recorded = false
    }
    return {
      ...base,
      ok,
      problems,
      warnings,
      entries: manifest.entries.length,
      refs: Object.keys(manifest.git.refs).length,
      verifiedAt: ok && recorded ? at : backup.verifiedAt,
      recorded,
      durationMs: Date.now() - started,
    }
  } finally {
    await scratch.remove()
  }
}

async function bundleProblems(
  staging: string,
  scratch: string,
  manifest: StoredManifest,
): Promise<BackupProblem[]> {
  const bundle = path.join(staging, BUNDLE_ENTRY)
  const failed = await verifyBundle(bundle, scratch)
  if (failed)
    return [
      {
        code: 'BUNDLE_INVALID',
        entry: BUNDLE_ENTRY,
        message: `the git bundle does not verify: ${failed}`,
      },
    ]
  const refs = await readBundleRefs(bundle)
  delete refs.HEAD
  return refProblems(refs, manifest.git.refs, 'the bundle', 'BUNDLE_REFS_MISMATCH')
}

function refProblems(
  actual: Record<string, string>,
  expected: Record<string, string>,
  where: string,
  code: string,
): BackupProblem[] {
  const out: BackupProblem[] = []
  for (const ref of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
    if (actual[ref] === expected[ref]) continue
    const message =
      actual[ref] === undefined
        ? `${ref} is missing from ${where}`
        : expected[ref] === undefined
          ? `${where} has ${ref}, which the manifest does not list`
          : `${ref} is ${actual[ref]?.slice(0, 12)} in ${where}, the manifest says ${expected[ref]?.slice(0, 12)}`
    out.push({ code, message })
  }
  return out
}

async function deepProblems(
  staging: string,
  target: string,
  manifest: StoredManifest,
): Promise<BackupProblem[]> {
  await fsp.mkdir(target)
  try {
    await materialize(staging, target, innerManifest(manifest))
  } catch (e) {
    return [
      {
        code: 'TEST_RESTORE_FAILED',
        message: `test restore failed: ${isCpoError(e) || e instanceof Error ? e.message : String(e)}`,
      },
    ]
  }
  const { stdout } = await git(target, ['for-each-ref', '--format=%(objectname) %(refname)'])
  const refs: Record<string, string> = {}
  for (const line of stdout.split('\n')) {
    const [oid, ref] = line.split(' ')
    if (oid && ref) refs[ref] = oid
  }
  const out = refProblems(
    refs,
    manifest.git.refs,
    'the restored repository',
    'RESTORED_REFS_MISMATCH',
  )
  const head =
    (await git(target, ['rev-parse', '-q', '--verify', 'HEAD'], { okCodes: [1] })).stdout.trim() ||
    null
  if (head !== manifest.git.head) {
    out.push({
      code: 'RESTORED_HEAD_MISMATCH',
      message: `restored HEAD is ${head ?? '(none)'}, the manifest says ${manifest.git.head ?? '(none)'}`,
    })
  }
  for (const e of manifest.entries) {
    if (e.type !== 'file' || !e.path.startsWith(FILES_PREFIX)) continue
    const rel = e.path.slice(FILES_PREFIX.length)
    const hash = createHash('sha256')
    try {
      for await (const c of createReadStream(path.join(target, rel))) hash.update(c as Buffer)
    } catch {
      out.push({ code: 'RESTORED_FILE_MISSING', entry: e.path, message: `${rel} was not restored` })
      continue
    }
    if (hash.digest('hex') !== e.sha256) {
      out.push({
        code: 'RESTORED_FILE_MISMATCH',
        entry: e.path,
        message: `restored ${rel} differs from the backup`,
      })
    }
  }
  return out
}
