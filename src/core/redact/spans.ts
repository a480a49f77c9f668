/** Character ranges of a text to replace, and the replacing. */

export interface Span {
  start: number
  end: number
}

export interface ReasonSpan extends Span {
  reason: string
}

/**
 * Replaces every span (overlapping ones merged) by `replacement`. Returns the reasons of the
 * spans in order of appearance, without repeats.
 */
export function replaceSpans(
  text: string,
  spans: readonly ReasonSpan[],
  replacement: string,
): { text: string; reasons: string[] } {
  const sorted = [...spans].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start)
  const reasons: string[] = []
  let out = ''
  let cursor = 0
  let open: ReasonSpan | undefined
  const flush = () => {
    if (!open) return
    out += text.slice(cursor, open.start) + replacement
    cursor = open.end
  }
  for (const span of sorted) {
    if (!reasons.includes(span.reason)) reasons.push(span.reason)
    if (open && span.start < open.end) {
      open = { ...open, end: Math.max(open.end, span.end) }
      continue
    }
    flush()
    open = span
  }
  flush()
  return { text: out + text.slice(cursor), reasons }
}
