/**
 * Redacts secrets inside free text (comments, malformed lines), where no name tells what a word
 * is: commented-out tokens, keys pasted into notes, the body lines of a commented PEM block.
 */

import { findCredentialSpans } from './credentials.js'
import { findRandomSpans } from './entropy.js'
import { findFormats } from './formats.js'
import { REDACTED } from './redacted.js'
import { classify } from './secrets.js'
import { replaceSpans } from './spans.js'

export function scrubText(text: string): { text: string; reasons: string[] } {
  const spans = [
    ...findFormats(text),
    ...findCredentialSpans(text, (key, value) => classify(key, value).redact),
    ...findRandomSpans(text).map((s) => ({ ...s, reason: 'entropy' })),
  ]
  return replaceSpans(text, spans, REDACTED)
}
