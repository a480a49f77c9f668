import { parseProjectDocument } from '../project/index.js'
import { FILES_PREFIX, STATE_FILES } from './layout.js'

/**
 * Something worth telling about a backup that is not damage: the backup carries the project's
 * bytes faithfully, whatever they are. A broken state file is the usual reason to reach for a
 * backup, so it never makes create, verify or restore fail.
 */
export interface BackupWarning {
  code: 'STATE_FILE_INVALID'
  /** The archive entry concerned (`files/master-project.json`). */
  entry: string
  message: string
}

/** State files above this size are carried but not parsed (they are kilobytes in practice). */
export const MAX_CHECKED_STATE_BYTES = 16 << 20

/** Entries whose content is a state file worth parsing: the project file and JSON sidecars. */
export function isCheckedStateEntry(entry: string): boolean {
  if (!entry.startsWith(FILES_PREFIX)) return false
  return entry.endsWith('.json')
}

/**
 * Why the bytes of a state file entry are not a usable state file, as a warning; undefined when
 * they are fine. The project file must be a valid CPO project file, other JSON files valid JSON.
 */
export function stateFileWarning(entry: string, content: Buffer): BackupWarning | undefined {
  const rel = entry.slice(FILES_PREFIX.length)
  const text = content.toString('utf8')
  try {
    if (isProjectFileEntry(entry)) parseProjectDocument(text, rel)
    else JSON.parse(text)
    return undefined
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e)
    const message = why.startsWith(rel) ? why : `${rel} is not valid JSON: ${why}`
    return { code: 'STATE_FILE_INVALID', entry, message }
  }
}

/**
 * An entry holding a project file, checked against the project schema (other state files only
 * as JSON). A monorepo keeps its state file in a folder (`files/apps/web/master-project.json`).
 */
export function isProjectFileEntry(entry: string): boolean {
  const rel = entry.slice(FILES_PREFIX.length)
  return (
    entry.startsWith(FILES_PREFIX) && (rel === STATE_FILES[0] || rel.endsWith(`/${STATE_FILES[0]}`))
  )
}
