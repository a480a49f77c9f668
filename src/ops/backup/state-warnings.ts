import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { ManifestEntry } from '../../core/backup/manifest.js'
import {
  type BackupWarning,
  isCheckedStateEntry,
  MAX_CHECKED_STATE_BYTES,
  stateFileWarning,
} from '../../core/backup/state-check.js'

/** Warnings about the state files of an extracted (already verified) backup under `staging`. */
export async function extractedStateWarnings(
  staging: string,
  entries: ManifestEntry[],
): Promise<BackupWarning[]> {
  const out: BackupWarning[] = []
  for (const e of entries) {
    if (e.type !== 'file' || !isCheckedStateEntry(e.path) || e.size > MAX_CHECKED_STATE_BYTES)
      continue
    const warning = stateFileWarning(e.path, await fsp.readFile(path.join(staging, e.path)))
    if (warning) out.push(warning)
  }
  return out
}
