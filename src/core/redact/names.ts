/**
 * What a variable's NAME says about its value. Names are judged by whole words, never by
 * substrings: `KEYCLOAK_URL`, `PASSENGER_COUNT`, `AUTHOR_NAME` and `TOKENIZER_MODEL` hold the
 * letters of KEY, PASS, AUTH and TOKEN but none of those words.
 */

import {
  CONNECTION_WORDS,
  DIGEST_WORDS,
  ENUM_WORDS,
  KEY_NOT_SECRET,
  KEY_QUALIFIERS,
  LOCATOR_WORDS,
  type LocatorKind,
  NUMBER_WORDS,
  SECRET_SUFFIXES,
  SECRET_WORDS,
  WEBHOOK_WORDS,
} from './vocabulary.js'

export type { LocatorKind } from './vocabulary.js'

export interface NameSignal {
  /** Upper-case words of the name. */
  words: string[]
  /** Label of the last secret-like word (`TOKEN`, `API_KEY`, `DSN` …), or null. */
  label: string | null
  /**
   * `connection`: a DSN or connection string, where only the password may be masked.
   * `webhook`: a webhook, whose URL is itself the credential. `secret`: any other secret word.
   */
  kind: 'secret' | 'connection' | 'webhook' | null
  /** Words after the last secret word, digits dropped (`PASSWORD_FILE` → [`FILE`]). */
  tail: string[]
}

/**
 * Splits a name into upper-case words on `_`, `-`, `.`, blanks, camelCase and letter/digit
 * boundaries: `dbPassword2` → DB, PASSWORD, 2; `APIKey` → API, KEY.
 */
export function splitName(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .replace(/(\d)([A-Za-z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter((w) => w !== '')
    .map((w) => w.toUpperCase())
}

export function analyseName(name: string): NameSignal {
  const words = splitName(name)
  const letters = words.filter((w) => !/^\d+$/.test(w))
  let label: string | null = null
  let at = -1
  let kind: NameSignal['kind'] = null
  for (let i = 0; i < letters.length; i++) {
    const found = secretLabel(letters, i)
    if (found === null) continue
    label = found
    at = i
    if (CONNECTION_WORDS.has(found) || found === 'CONNECTION_STRING') kind = 'connection'
    else if (WEBHOOK_WORDS.has(found) && kind !== 'connection') kind = 'webhook'
    else if (kind === null) kind = 'secret'
  }
  return { words, label, kind, tail: at < 0 ? [] : letters.slice(at + 1) }
}

export function isDigestName(signal: NameSignal): boolean {
  return signal.words.some((w) => DIGEST_WORDS.has(w))
}

function secretLabel(words: string[], i: number): string | null {
  const word = words[i] ?? ''
  const prev = words[i - 1]
  if (CONNECTION_WORDS.has(word) || WEBHOOK_WORDS.has(word)) return word
  if ((word === 'STRING' || word === 'STR') && (prev === 'CONNECTION' || prev === 'CONN')) {
    return 'CONNECTION_STRING'
  }
  if (SECRET_WORDS.has(word)) return word
  if (word === 'KEY' || word === 'KEYS') {
    if (prev !== undefined && KEY_QUALIFIERS.has(prev)) return `${prev}_KEY`
    const last = i === words.length - 1
    if (last && (prev === undefined || !KEY_NOT_SECRET.has(prev))) return 'KEY'
    return null
  }
  const suffix = SECRET_SUFFIXES.find((s) => word.length > s.length && word.endsWith(s))
  return suffix ?? null
}

export interface NameRole {
  /** The name announces a number (a timeout, a length, a count …). */
  numeric: boolean
  /** The words after the secret word end in a one-word setting (`_DRIVER`, `_ALGORITHM`). */
  enumTail: boolean
  /** The words after the secret word end in a locator (`_URL`, `_FILE`, `_USER`): its kind. */
  locator: LocatorKind | null
}

export function nameRole(signal: NameSignal): NameRole {
  const last = signal.tail[signal.tail.length - 1]
  return {
    numeric: signal.words.some((w) => NUMBER_WORDS.has(w)),
    enumTail: last !== undefined && ENUM_WORDS.has(last),
    locator: (last === undefined ? undefined : LOCATOR_WORDS.get(last)) ?? null,
  }
}
