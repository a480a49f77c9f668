/**
 * What can change about a backup after it is committed (the manifest never changes): pins and
 * the last verification. Kept beside the manifest so the archive and manifest stay immutable.
 */
export interface BackupMeta {
  pinned?: boolean
  /** When the last successful verification finished, and whether it was a test restore. */
  verifiedAt?: string
  verifiedDeep?: boolean
  lastVerify?: { at: string; ok: boolean; deep: boolean; problems: string[] }
}

/**
 * Unreadable metadata counts as pinned: prune must not delete a backup because the one file that
 * could have said "keep me" is damaged.
 */
export function parseMeta(text: string | undefined): { meta: BackupMeta; damaged: boolean } {
  if (text === undefined) return { meta: {}, damaged: false }
  try {
    const raw = JSON.parse(text) as unknown
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new Error('not an object')
    return { meta: raw as BackupMeta, damaged: false }
  } catch {
    return { meta: { pinned: true }, damaged: true }
  }
}

export const serializeMeta = (meta: BackupMeta): string => `${JSON.stringify(meta, null, 2)}\n`
