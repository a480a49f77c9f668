import path from 'node:path'
import { readTextIfExists } from '../adapters/fs.js'
import { CONFIG_FILE } from '../core/config/name.js'
import type { ConfigFile } from '../core/config/schema.js'

export { CONFIG_FILE, type ConfigFile }

/**
 * The one reader of `cpo.config.json` at the repository root; `{}` when there is none. Every
 * command opens the repository through it, so the validator loads only when the file exists.
 */
export async function readConfigFile(root: string): Promise<ConfigFile> {
  const text = await readTextIfExists(path.join(root, CONFIG_FILE))
  if (text === undefined) return {}
  const { parseConfigFile } = await import('../core/config/schema.js')
  return parseConfigFile(text)
}
