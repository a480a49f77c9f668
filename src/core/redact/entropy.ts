/**
 * Finds random-looking tokens: the generic secrets (session keys, `openssl rand` output, vendor
 * tokens without a prefix) that no name and no known format gives away.
 */

import { REDACTED } from './redacted.js'
import type { Span } from './spans.js'

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0
  const counts = new Map<string, number>()
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  let bits = 0
  for (const count of counts.values()) {
    const p = count / text.length
    bits -= p * Math.log2(p)
  }
  return bits
}

const HEX = /^[0-9a-fA-F]+$/
// A piece of an identifier: a word (`eu`, `PROD`, `MyApp`, `MiniLM`) with an optional number
// (`west1`, `v2`), a number, or a short hex run (`9fceb02`, the parts of a UUID).
const WORD =
  /^(?:[a-z]{1,20}|[A-Z]{1,20}|[A-Z]?[a-z]{2,}(?:[A-Z][a-z]{2,})*[A-Z]{0,3})\d{0,4}$|^\d{1,10}$|^[0-9a-f]{1,12}$/
// A ULID (Crockford base32, time first) is an identifier, not a key.
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/
// Punctuation that identifiers, paths and URLs rarely hold but generated passwords do.
const SPECIAL = /[!@#$%^&*()+=[\]{}|;~<>?'"`\\]/g

/**
 * A token is random-looking when it is
 * - hex of 32+ characters with letters and digits and entropy ≥ 2.8 bits per character
 *   (detect-secrets uses 3.0; 1% of random 32-character hex strings score below 3.3 and the
 *   lowest near 3.0, while repeated patterns such as `deadbeef…` score 2.3);
 * - or base64-ish (`A-Z a-z 0-9 + / _ -`) of 20+ characters mixing at least two of lower case,
 *   upper case and digits, not made of words (see WORD), and with entropy ≥ 0.7·log2(n), n the
 *   smaller of its length and its alphabet's size. detect-secrets' fixed 4.5 cannot be reached
 *   below 23 characters and misses most 20–40 character tokens (random base62 of length 32
 *   scores 4.0–4.4); the relative bar keeps out repeats and runs (`aaaa…`, `abcabc…`), and the
 *   word test keeps out names, paths, versions and UUIDs.
 */
export function looksRandom(token: string): boolean {
  const core = token.replace(/=+$/, '')
  if (HEX.test(core)) {
    if (core.length < 32 || !/\d/.test(core) || !/[a-f]/i.test(core)) return false
    return shannonEntropy(core) >= 2.8
  }
  if (core.length < 20 || !/^[A-Za-z0-9+/_-]+$/.test(core)) return false
  if (classCount(core) < 2 || isWordy(core) || ULID.test(core)) return false
  return shannonEntropy(core) >= 0.7 * Math.log2(Math.min(alphabetSize(core), core.length))
}

/**
 * Spans of random-looking tokens in free text. A path-like run is also judged piece by piece
 * (split on `/`), so one random segment inside a long word-built path is still found.
 */
export function findRandomSpans(text: string): Span[] {
  const spans: Span[] = []
  // Whole blank-separated tokens catch keys drawn from punctuation too (Django's SECRET_KEY).
  for (const m of text.matchAll(/\S{20,}/g)) {
    // Prose punctuation around the token is not part of it: `was k#9(x$…, rotated`.
    const lead = /^['"(<[{]*/.exec(m[0])?.[0].length ?? 0
    const token = m[0].slice(lead).replace(/[.,;:!?'")>\]}]+$/, '')
    if (looksRandomPrintable(token)) {
      spans.push({ start: m.index + lead, end: m.index + lead + token.length })
    }
  }
  for (const m of text.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    const token = m[0]
    if (looksRandom(token)) {
      spans.push({ start: m.index, end: m.index + token.length })
      continue
    }
    let offset = m.index
    for (const piece of token.split('/')) {
      if (looksRandom(piece)) spans.push({ start: offset, end: offset + piece.length })
      offset += piece.length + 1
    }
  }
  return spans
}

/**
 * A token drawn from letters, digits and punctuation (`k#9(x$…`, Django's SECRET_KEY), which the
 * base64-ish check never sees whole. URLs and paths are left to the piecewise check.
 */
function looksRandomPrintable(token: string): boolean {
  if (token.includes('://') || /^[~.]*\//.test(token) || token.includes(REDACTED)) return false
  if (!/^[\x21-\x7e]+$/.test(token) || (token.match(SPECIAL) ?? []).length < 3) return false
  const pieces = token.split(/[^A-Za-z0-9]+/).filter((p) => p !== '')
  if (pieces.every((p) => WORD.test(p))) return false
  return shannonEntropy(token) >= 0.7 * Math.log2(Math.min(alphabetSize(token), token.length))
}

function classCount(token: string): number {
  return [/[a-z]/, /[A-Z]/, /\d/].filter((re) => re.test(token)).length
}

/** Size of the alphabet a token seems drawn from: the character classes it uses. */
function alphabetSize(token: string): number {
  let size = 0
  if (/[a-z]/.test(token)) size += 26
  if (/[A-Z]/.test(token)) size += 26
  if (/\d/.test(token)) size += 10
  if (/[^A-Za-z0-9]/.test(token)) size += 32
  return size
}

function isWordy(token: string): boolean {
  const pieces = token.split(/[-_./+]+/).filter((p) => p !== '')
  return pieces.length > 0 && pieces.every((p) => WORD.test(p))
}
