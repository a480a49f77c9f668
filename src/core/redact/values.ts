/** Shapes of values that tell what they are whatever the variable is called. */

import { looksRandom } from './entropy.js'
import type { LocatorKind } from './names.js'

// Words people leave where a secret should go. Deliberately short: `password`, `secret`, `test`
// or `postgres` are real (weak) dev passwords and stay secrets.
const PLACEHOLDER_WORDS = new Set([
  'changeme',
  'change-me',
  'change_me',
  'changeit',
  'replaceme',
  'replace-me',
  'replace_me',
  'todo',
  'tbd',
  'fixme',
  'placeholder',
  'none',
  'null',
  'nil',
  'undefined',
  'redacted',
])

/** Placeholders may stay even under a secret name: they cannot be anybody's secret. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim()
  if (v === '') return true
  if (PLACEHOLDER_WORDS.has(v.toLowerCase())) return true
  // <your-token>, and our own <redacted>, so a template redacts to itself.
  if (/^<[^<>]*>$/.test(v)) return true
  // A bare reference to another variable; a `${X:-default}` default could be a secret.
  if (/^\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(v)) return true
  if (/^(?:x{3,}|X{3,}|\*{3,}|\.{3,}|-{3,}|_{3,}|#{3,})$/.test(v)) return true
  // your-api-key-here, YOUR_TOKEN, insert-secret-here, token_goes_here.
  if (/^(?:your|insert|enter|paste|put)(?:[-_ ][a-z]+){1,6}$/i.test(v)) return true
  return /^[a-z]+(?:[-_ ][a-z]+){0,6}[-_ ]here$/i.test(v)
}

export function isBoolean(value: string): boolean {
  return /^(?:true|false|yes|no|on|off|enabled|disabled)$/i.test(value.trim())
}

/** A count, a size or a duration: `3600`, `15m`, `7d`, `1.5`, `10MB`. */
export function isNumberLike(value: string): boolean {
  return /^-?\d{1,15}(?:\.\d+)?(?:ms|s|m|h|d|w|y|mo|mins?|secs?|seconds?|minutes?|hours?|days?|weeks?|b|kb|mb|gb|k|g)?$/i.test(
    value.trim(),
  )
}

/** A one-word setting such as `redis`, `RS256`, `lax`, `aes-256-gcm`. */
export function isEnumWord(value: string): boolean {
  const v = value.trim()
  return /^[A-Za-z][A-Za-z0-9._-]{0,31}$/.test(v) && !looksRandom(v)
}

export function isUrl(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/.test(value.trim())
}

export function isPath(value: string): boolean {
  const v = value.trim()
  return /^(?:~|\.{1,2})?\/\S*$/.test(v) || /^[A-Za-z]:[\\/]\S*$/.test(v)
}

/** A path to a file with an extension (`./keys/app.pem`): it names a secret, it is not one. */
export function isFilePath(value: string): boolean {
  return isPath(value) && /[^/\\]\.[A-Za-z0-9]{1,8}$/.test(value.trim())
}

export function isHost(value: string): boolean {
  const v = value.trim()
  return (
    /^\.?(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::\d{1,5})?$/.test(v) ||
    /^localhost(?::\d{1,5})?$/.test(v) ||
    /^\[[0-9A-Fa-f:]+\](?::\d{1,5})?$/.test(v)
  )
}

/**
 * Whether a value has the shape its locator name announces: under `TOKEN_URL` a URL, under
 * `DB_PASSWORD_FILE` a path, under `SMTP_AUTH_USER` a user name. Such a value names where a
 * secret lives, it is not the secret (and it is still checked for embedded credentials).
 */
export function fitsLocator(kind: LocatorKind, value: string): boolean {
  const v = value.trim()
  switch (kind) {
    case 'path':
      return (
        isPath(v) ||
        /^[\w.-]+(?:\/[\w.-]+)*\.[A-Za-z0-9]{1,8}$/.test(v) ||
        /^\w[\w.-]*\/[\w./-]*$/.test(v)
      )
    case 'url':
      return isUrl(v) || isPath(v) || isHost(v)
    case 'host':
      return isHost(v) || isUrl(v)
    case 'port':
      return /^\d{1,5}$/.test(v)
    case 'word':
      // `Bearer abc…` is an Authorization header value, not a header name.
      if (/^(?:bearer|basic|token|digest|negotiate)\s/i.test(v)) return false
      return v.length <= 200 && /^[A-Za-z0-9_.@+:/=-]+(?:[ ,]+[A-Za-z0-9_.@+:/=-]+)*$/.test(v)
  }
}
