/**
 * Decides, for one variable, whether its value may appear in an env template. The goal is that
 * no secret is ever kept; a harmless value redacted by mistake costs little, so every doubt
 * redacts. Order of the rules:
 *
 * 1. empty → kept (`empty`);
 * 2. a PEM block, JWT or known vendor token anywhere in the value → redacted (`pem`, `jwt`,
 *    `format:<id>`), whatever the name;
 * 3. a placeholder (`changeme`, `<your-key>`, `${OTHER}`, `xxx` …) → kept (`placeholder`);
 * 4. a secret-like name word (names.ts, vocabulary.ts) → redacted (`name:<WORD>`), except the
 *    values such a name still may hold (then judged as in 5): a boolean; a number or duration
 *    when the name announces one (`SESSION_TIMEOUT_SECONDS`, `MAX_TOKENS`); a one-word setting
 *    after a setting word (`SESSION_DRIVER=redis`); a value shaped as a trailing locator word
 *    says (`TOKEN_URL` a URL, `DB_PASSWORD_FILE` a path, `SMTP_AUTH_USER` a user name); a path
 *    to a file (`PRIVATE_KEY=./keys/app.pem`).
 *    DSNs and connection strings keep their layout only when the password can be cut out;
 *    a webhook URL is always redacted, the URL being the credential;
 * 5. credentials inside the value (URL password, secret query parameter, `Password=…;` pair) →
 *    partially redacted (`url-password`, `url-query-secret`, `kv-secret`); any random-looking
 *    token left → redacted (`entropy`);
 * 6. otherwise kept: `harmless-name`, or `digest` for a hex digest under a SHA/COMMIT-like name,
 *    or the exception of rule 4 that applied (`setting`, `locator`).
 */

import { findCredentialSpans } from './credentials.js'
import { findRandomSpans } from './entropy.js'
import { findFormats } from './formats.js'
import { analyseName, isDigestName, type NameSignal, nameRole } from './names.js'
import { REDACTED } from './redacted.js'
import { replaceSpans } from './spans.js'
import {
  fitsLocator,
  isBoolean,
  isEnumWord,
  isFilePath,
  isNumberLike,
  isPath,
  isPlaceholder,
  isUrl,
} from './values.js'

export interface Verdict {
  redact: boolean
  /** Why; never contains the value. */
  reason: string
  /** For a partial redaction: the value with only its secret parts replaced by REDACTED. */
  masked?: string
}

export function classify(key: string, value: string): Verdict {
  if (value.trim() === '') return keep('empty')
  const format = findFormats(value)[0]
  if (format) return redact(format.reason)
  if (isPlaceholder(value)) return keep('placeholder')
  const name = analyseName(key)
  if (name.kind === 'connection') return connection(name, value)
  if (name.kind === 'webhook' && isUrl(value)) return redact(`name:${name.label}`)
  if (name.kind !== null) {
    const allowed = allowedUnderSecretName(name, value)
    return allowed ? inspect(value, allowed) : redact(`name:${name.label}`)
  }
  if (isDigestName(name) && /^[0-9a-f]{7,64}$/i.test(value.trim())) return keep('digest')
  return inspect(value, 'harmless-name')
}

/** `value` with embedded credentials replaced by REDACTED, and why; unchanged when none. */
export function maskCredentials(value: string): { text: string; reasons: string[] } {
  return replaceSpans(value, findCredentialSpans(value, isSecretPair), REDACTED)
}

const isSecretPair = (key: string, value: string): boolean => classify(key, value).redact

function allowedUnderSecretName(name: NameSignal, value: string): string | null {
  const role = nameRole(name)
  if (isBoolean(value)) return 'setting'
  if (role.numeric && isNumberLike(value)) return 'setting'
  if (role.enumTail && isEnumWord(value)) return 'setting'
  if (role.locator && fitsLocator(role.locator, value)) return 'locator'
  if (isFilePath(value)) return 'locator'
  // The shell's working directory, found in env dumps.
  const only = name.words.length === 1 ? name.words[0] : undefined
  if ((only === 'PWD' || only === 'OLDPWD') && isPath(value)) return 'locator'
  return null
}

function connection(name: NameSignal, value: string): Verdict {
  const masked = maskCredentials(value)
  if (masked.reasons.length === 0) return redact(`name:${name.label}`)
  return partial(masked)
}

function inspect(value: string, keepReason: string): Verdict {
  const masked = maskCredentials(value)
  if (masked.reasons.length > 0) return partial(masked)
  if (findRandomSpans(value).length > 0) return redact('entropy')
  return keep(keepReason)
}

function partial(masked: { text: string; reasons: string[] }): Verdict {
  // Whatever the masking left must be clean too, or the whole value goes.
  if (findRandomSpans(masked.text).length > 0) return redact('entropy')
  return { redact: true, reason: masked.reasons[0] ?? 'url-password', masked: masked.text }
}

const keep = (reason: string): Verdict => ({ redact: false, reason })
const redact = (reason: string): Verdict => ({ redact: true, reason })
