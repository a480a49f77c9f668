import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { ManifestEntry } from '../../core/backup/manifest.js'
import {
  type BackupWarning,
  isCheckedStateEntry,
  isProjectFileEntry,
  MAX_CHECKED_STATE_BYTES,
  stateFileWarning,
} from '../../core/backup/state-check.js'
import { loadProjectSchemaFor } from '../../core/project/index.js'

/**
 * `stateFileWarning` with the project schema loaded first when a project file's text is one the
 * plain checks refuse, for the schema's exact message (ARCHITECTURE.md §33).
 */
export async function stateWarning(
  entry: string,
  content: Buffer,
): Promise<BackupWarning | undefined> {
  if (isProjectFileEntry(entry)) await loadProjectSchemaFor(content.toString('utf8'))
  return stateFileWarning(entry, content)
}

/** Warnings about the state files of an extracted (already verified) backup under `staging`. */
export async function extractedStateWarnings(
  staging: string,
  entries: ManifestEntry[],
): Promise<BackupWarning[]> {
  const out: BackupWarning[] = []
  for (const e of entries) {
    if (e.type !== 'file' || !isCheckedStateEntry(e.path) || e.size > MAX_CHECKED_STATE_BYTES)
      continue
    const warning = await stateWarning(e.path, await fsp.readFile(path.join(staging, e.path)))
    if (warning) out.push(warning)
  }
  return out
}
