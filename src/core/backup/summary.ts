import { isCpoError } from '../../errors.js'
import { parseStoredManifest, type StoredManifest } from './manifest-schema.js'
import { type BackupMeta, parseMeta } from './meta.js'

/** The store's raw view of one backup (see adapters/storage/types.ts). */
export interface RawBackup {
  id: string
  files: Array<{ name: string; size: number }>
  manifest?: string
  meta?: string
  modifiedAt: Date
}

export interface BackupSummary {
  id: string
  /**
   * `incomplete`: never committed (interrupted); `damaged`: its manifest cannot be read, its
   * archive is gone, or the last `cpo backup verify` found its bytes wrong.
   */
  status: 'complete' | 'incomplete' | 'damaged'
  problem: string | null
  /**
   * The manifest is readable and the archive is there, so verify and restore can check it again
   * (they trust bytes, not an earlier verdict): true for complete backups and for ones a verify
   * found damaged, which a repair, e.g. copying the archive back, can make whole again.
   */
  checkable: boolean
  /** When the backup started (from the manifest, else from the time-sortable id). */
  time: string
  finishedAt: string | null
  project: string | null
  /** Bytes stored for it (archive plus manifest and metadata). */
  size: number
  compression: string | null
  tags: string[]
  pinned: boolean
  verifiedAt: string | null
  verifiedDeep: boolean
  /** The newest verification, passed or failed. */
  lastVerify: BackupMeta['lastVerify'] | null
  refs: number
  manifest: StoredManifest | null
}

/** `20261125-170024-123-3fa2` → `2026-11-25T17:00:24.123Z`; falls back to `fallback`. */
export function timeFromId(id: string, fallback: Date): string {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})-/.exec(id)
  if (!m) return fallback.toISOString()
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`
  return Number.isNaN(Date.parse(iso)) ? fallback.toISOString() : iso
}

export function summarize(raw: RawBackup): BackupSummary {
  const { meta, damaged: metaDamaged } = parseMeta(raw.meta)
  const size = raw.files.reduce((n, f) => n + f.size, 0)
  const base = {
    id: raw.id,
    size,
    verifiedAt: meta.verifiedAt ?? null,
    verifiedDeep: meta.verifiedDeep === true,
    lastVerify: validVerify(meta.lastVerify),
  }
  let manifest: StoredManifest | null = null
  let problem: string | null = metaDamaged ? 'meta.json is unreadable (treated as pinned)' : null
  let status: BackupSummary['status'] = 'incomplete'
  let checkable = false
  if (raw.manifest === undefined) {
    problem = 'no manifest: the backup was interrupted before it was committed'
  } else {
    try {
      manifest = parseStoredManifest(raw.manifest, `backup ${raw.id} manifest.json`)
      status = 'complete'
      if (!raw.files.some((f) => f.name === manifest?.archive.name)) {
        status = 'damaged'
        problem = `archive ${manifest.archive.name} is missing`
      } else {
        checkable = true
        const last = base.lastVerify
        if (last && !last.ok) {
          status = 'damaged'
          problem = `verify at ${last.at} found: ${last.problems.slice(0, 3).join('; ') || 'problems'}${last.problems.length > 3 ? ` (and ${last.problems.length - 3} more)` : ''}`
        }
      }
    } catch (e) {
      status = 'damaged'
      problem = isCpoError(e) ? e.message : String(e)
    }
  }
  return {
    ...base,
    status,
    problem,
    checkable,
    time: manifest?.startedAt ?? timeFromId(raw.id, raw.modifiedAt),
    finishedAt: manifest?.finishedAt ?? null,
    project: manifest?.project ?? null,
    compression: manifest?.compression ?? null,
    tags: manifest?.tags ?? [],
    // A pin recorded at creation holds until someone unpins (meta then says false).
    pinned: meta.pinned ?? manifest?.pinned ?? false,
    refs: manifest ? Object.keys(manifest.git.refs).length : 0,
    manifest,
  }
}

/** meta.json is edited by hand sometimes: a lastVerify of the wrong shape is ignored, not trusted. */
function validVerify(v: unknown): BackupSummary['lastVerify'] {
  if (v === null || typeof v !== 'object') return null
  const r = v as Record<string, unknown>
  if (typeof r.at !== 'string' || typeof r.ok !== 'boolean') return null
  const problems = Array.isArray(r.problems)
    ? r.problems.filter((p): p is string => typeof p === 'string')
    : []
  return { at: r.at, ok: r.ok, deep: r.deep === true, problems }
}
