import path from 'node:path'
import { readTextIfExists } from '../adapters/fs.js'
import { CONFIG_FILE, type ConfigFile, parseConfigFile } from '../core/config/schema.js'

export { CONFIG_FILE, type ConfigFile }

/** The one reader of `cpo.config.json` at the repository root; `{}` when there is none. */
export async function readConfigFile(root: string): Promise<ConfigFile> {
  const text = await readTextIfExists(path.join(root, CONFIG_FILE))
  return text === undefined ? {} : parseConfigFile(text)
}
