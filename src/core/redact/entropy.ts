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
// A piece of an identifier made of words: `eu`, `west`, `v2`, `MyApp`, `PROD`, `2024`.
const WORD = /^(?:[a-z]{1,20}|[A-Z]{1,20}|[A-Z]?[a-z]{2,}(?:[A-Z][a-z]{2,})*)\d{0,4}$|^\d{1,10}$/

/**
 * A token is random-looking when it is
 * - hex of 32+ characters with both letters and digits and entropy ≥ 3.0 (detect-secrets' hex
 *   threshold; a random 32-hex string scores about 3.8, a run of zeros 0);
 * - or base64-ish (`A-Z a-z 0-9 + / _ -`) of 20+ characters that is not made of words and whose
 *   entropy reaches min(4.5, 0.85·log2(length)). A fixed 4.5 (detect-secrets) is out of reach
 *   below 23 characters (log2(20) = 4.32) and would miss 20–40 character tokens; random base62
 *   text scores about 0.9·log2(length) at those lengths, UUIDs and word-built names far less.
 */
export function looksRandom(token: string): boolean {
  const core = token.replace(/=+$/, '')
  if (HEX.test(core)) {
    return core.length >= 32 && /\d/.test(core) && /[a-f]/i.test(core) && shannonEntropy(core) >= 3
  }
  if (core.length < 20 || !/^[A-Za-z0-9+/_-]+$/.test(core)) return false
  if (isWordy(core)) return false
  return shannonEntropy(core) >= Math.min(4.5, 0.85 * Math.log2(core.length))
}

/**
 * Spans of random-looking tokens in free text. A path-like run is also judged piece by piece
 * (split on `/`), so one random segment inside a long word-built path is still found.
 */
export function findRandomSpans(text: string): Span[] {
  const spans: Span[] = []
  // Whole blank-separated tokens catch keys drawn from punctuation too (Django's SECRET_KEY).
  for (const m of text.matchAll(/\S{20,}/g)) {
    if (looksRandomPrintable(m[0])) spans.push({ start: m.index, end: m.index + m[0].length })
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
 * A token mixing letters, digits and punctuation (`k#9(x$…`) with the same entropy bar.
 * URLs and paths are left to the piecewise check: their pieces are words, their whole is not.
 */
function looksRandomPrintable(token: string): boolean {
  if (token.includes('://') || /^[~.]*\//.test(token) || token.includes(REDACTED)) return false
  if (!/^[\x21-\x7e]+$/.test(token) || !/[^A-Za-z0-9]/.test(token)) return false
  const pieces = token.split(/[^A-Za-z0-9]+/).filter((p) => p !== '')
  if (pieces.every((p) => WORD.test(p))) return false
  return shannonEntropy(token) >= Math.min(4.5, 0.85 * Math.log2(token.length))
}

function isWordy(token: string): boolean {
  const pieces = token.split(/[-_./+]+/).filter((p) => p !== '')
  return pieces.length > 0 && pieces.every((p) => WORD.test(p))
}
