import * as z from 'zod/mini'
import '../zod-setup.js'
import { CpoError } from '../../errors.js'

import { CONFIG_FILE } from './name.js'

export { CONFIG_FILE }

/**
 * `cpo.config.json` at the repository root (README.md, "cpo.config.json"). Every key is listed:
 * a misspelt one is an error rather than a setting silently not applied.
 */
export const configFileSchema = z.strictObject({
  /** Editors' schema link; ignored. */
  $schema: z.optional(z.string()),
  /** The state file, relative to the repository root (`apps/web/master-project.json`). */
  projectFile: z.optional(z.string().check(z.minLength(1))),
  /** The deployment block; checked field by field by `parseDeploymentBlock`. */
  deployment: z.optional(z.unknown()),
})

export type ConfigFile = z.infer<typeof configFileSchema>

const invalid = (message: string): CpoError =>
  new CpoError('CONFIG_INVALID', 'invalidInput', `${CONFIG_FILE}: ${message}`, {
    hint: `Fix ${CONFIG_FILE} at the repository root (its keys: projectFile, deployment, $schema), then run again.`,
  })

/** The file's settings; a clear error names what is wrong. */
export function parseConfigFile(text: string): ConfigFile {
  let value: unknown
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw invalid(`not valid JSON: ${(error as Error).message}`)
  }
  const r = z.safeParse(configFileSchema, value)
  if (!r.success) {
    const [first] = r.error.issues
    const where = first?.path.length ? `${first.path.join('.')}: ` : ''
    throw invalid(`${where}${first?.message ?? 'invalid'}`)
  }
  return r.data
}
