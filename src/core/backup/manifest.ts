import { CpoError } from '../../errors.js'
import { entryPathProblem } from './entry-path.js'
import type { BackupManifest, ManifestEntry, StoredManifest } from './manifest-schema.js'

// The manifest's zod schemas and the parsers that use them live in manifest-schema.ts: what a
// backup writes (buildManifest, serializeManifest) needs no validator, and a rollback, which
// writes a backup with --backup only, does not load zod (ARCHITECTURE.md §30).
export type { BackupManifest, ManifestEntry, StoredManifest } from './manifest-schema.js'

export const MANIFEST_SCHEMA = 1
export const COMPRESSIONS = ['zstd', 'gzip', 'none'] as const
export type Compression = (typeof COMPRESSIONS)[number]

export function damaged(what: string, message: string, details?: unknown): CpoError {
  return new CpoError('BACKUP_MANIFEST_INVALID', 'invalidInput', `${what}: ${message}`, {
    hint: 'The backup cannot be trusted; restore from another one (`cpo backup list`).',
    details,
  })
}

/** Checks shape and the rules zod cannot say: safe unique paths, sha256 on every file. */
export function checkEntries(what: string, entries: ManifestEntry[]): void {
  const seen = new Set<string>()
  for (const e of entries) {
    const problem = entryPathProblem(e.path)
    if (problem) throw damaged(what, `entry ${JSON.stringify(e.path)}: ${problem}`)
    if (seen.has(e.path)) throw damaged(what, `entry ${JSON.stringify(e.path)} appears twice`)
    seen.add(e.path)
    if (e.type === 'file' && e.sha256 === undefined) {
      throw damaged(what, `entry ${JSON.stringify(e.path)} has no sha256`)
    }
  }
}

/** The manifest as written inside the archive: the sidecar without its `archive` field. */
export function innerManifest(stored: StoredManifest): BackupManifest {
  const { archive: _archive, ...inner } = stored
  return inner
}

export const serializeManifest = (m: BackupManifest | StoredManifest): string =>
  `${JSON.stringify(m, null, 2)}\n`

export interface ManifestInput extends Omit<BackupManifest, 'schema' | 'kind' | 'entries'> {
  entries: ManifestEntry[]
}

/** Builds a manifest with entries in archive order checked, as the archive was written. */
export function buildManifest(input: ManifestInput): BackupManifest {
  const manifest: BackupManifest = { schema: MANIFEST_SCHEMA, kind: 'cpo-backup', ...input }
  checkEntries('new manifest', manifest.entries)
  return manifest
}
