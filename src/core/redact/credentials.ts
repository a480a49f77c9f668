/**
 * Credentials embedded in a larger value, where only the secret part is masked so the template
 * still shows where things live: the password of `postgres://user:pass@host/db`, a secret query
 * parameter (`?sig=…`), a `Password=…;` pair of an ADO.NET or JDBC connection string.
 */

import type { ReasonSpan } from './spans.js'
import { isPlaceholder } from './values.js'

/** Decides whether `value` under the name `key` is a secret (the caller's full classifier). */
export type SecretJudge = (key: string, value: string) => boolean

// A URL; a list of URLs is split at `,scheme://` so each one's password is found.
const URL = /[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:(?!,[A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s"'<>`])+/g
// `host:port/…@…` is a path containing `@` (Vite's `/@vite/client`), not a user and password.
const HOST_PORT =
  /^(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|\[[0-9A-Fa-f:]+\]):\d{1,5}(?:[/?#]|$)/
const QUERY_PAIR = /([^=&;#\s]+)=([^&;#\s]*)/g
const KV_PAIR = /(?:^|[;&])\s*([A-Za-z_][A-Za-z0-9 _.-]*?)\s*=\s*([^;&]*)/g

export function findCredentialSpans(value: string, isSecret: SecretJudge): ReasonSpan[] {
  const spans: ReasonSpan[] = []
  const single = singleUrl(value)
  if (single) spans.push(...urlSpans(single.url, single.offset, isSecret))
  else for (const m of value.matchAll(URL)) spans.push(...urlSpans(m[0], m.index, isSecret))
  for (const m of value.matchAll(KV_PAIR)) {
    const key = (m[1] ?? '').trim()
    const pair = m[2] ?? ''
    const secret = pair.trimEnd()
    if (secret === '' || !isSecret(key, secret)) continue
    const start = m.index + m[0].length - pair.length
    spans.push({ start, end: start + secret.length, reason: 'kv-secret' })
  }
  return spans
}

/**
 * A value that is one URL and nothing else is taken whole, blanks included: a password with an
 * unencoded blank (`postgres://u:my pass@h`) must not end the URL early and leak its tail.
 */
function singleUrl(value: string): { url: string; offset: number } | null {
  const offset = value.length - value.trimStart().length
  const url = value.trim()
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return null
  if (/[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url.slice(url.indexOf('://') + 3))) return null
  return { url, offset }
}

function urlSpans(url: string, offset: number, isSecret: SecretJudge): ReasonSpan[] {
  const spans: ReasonSpan[] = []
  const restAt = url.indexOf('://') + 3
  const rest = url.slice(restAt)
  const base = offset + restAt
  const userinfoEnd = userinfoLength(rest)
  if (userinfoEnd > 0) {
    const colon = rest.indexOf(':')
    const password = rest.slice(colon + 1, userinfoEnd)
    if (colon >= 0 && colon < userinfoEnd && password !== '' && !isPlaceholder(password)) {
      spans.push({ start: base + colon + 1, end: base + userinfoEnd, reason: 'url-password' })
    }
  }
  const queryAt = rest.indexOf('?', Math.max(userinfoEnd, 0))
  if (queryAt < 0) return spans
  const query = rest.slice(queryAt + 1)
  for (const m of query.matchAll(QUERY_PAIR)) {
    const raw = m[2] ?? ''
    if (raw === '' || !isSecret(decode(m[1] ?? ''), decode(raw))) continue
    const start = base + queryAt + 1 + m.index + (m[1] ?? '').length + 1
    spans.push({ start, end: start + raw.length, reason: 'url-query-secret' })
  }
  return spans
}

/**
 * Length of the `user:password` part before `@`, or -1. RFC 3986 ends the authority at the
 * first `/`, `?` or `#`; hand-written env files often leave those unencoded in a password, so
 * failing that the last `@` of the URL is taken, unless what precedes it is `host:port/path`.
 */
function userinfoLength(rest: string): number {
  const authorityEnd = rest.search(/[/?#]/)
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd)
  const at = authority.lastIndexOf('@')
  if (at >= 0) return at
  const lastAt = rest.lastIndexOf('@')
  if (lastAt <= 0) return -1
  const candidate = rest.slice(0, lastAt)
  return candidate.includes(':') && !HOST_PORT.test(candidate) ? lastAt : -1
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
