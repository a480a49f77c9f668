import { redactEnv } from '../redact/index.js'
import type { SecretVar } from './types.js'

/**
 * The readable part of a platform backup: every variable as a dotenv line, grouped by target,
 * then redacted by the same rules as checkpoint env templates (src/core/redact/), so names and
 * harmless values stay and secrets become REDACTED. Values the platform keeps write-only are
 * marked, never guessed.
 */
export function platformTemplate(vars: SecretVar[]): string {
  const groups = new Map<string, SecretVar[]>()
  for (const v of vars) {
    const name = `${v.targets.join(', ') || 'all'}${v.branch ? ` @${v.branch}` : ''}`
    groups.set(name, [...(groups.get(name) ?? []), v])
  }
  let text = ''
  for (const [name, list] of groups) {
    text += `# target: ${name}\n`
    for (const v of list) {
      text +=
        v.value === null
          ? `${v.key}= # not recoverable (${v.type})\n`
          : `${v.key}=${quote(v.value)}\n`
    }
  }
  return redactEnv(text).text
}

function quote(value: string): string {
  if (/^[\w@%+=:,./-]*$/.test(value)) return value
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`
  return `"${value.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`
}
