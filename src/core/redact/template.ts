/**
 * Turns an env file into a template safe to keep in checkpoint sidecars and backups: every line,
 * comment, name and quote stays where it was; secret values become REDACTED. Comments and
 * malformed lines are scanned too, since commented-out keys are the classic leak.
 */

import { decodeBody, type EnvEntry, parseDotenv, renderVar, type VarEntry } from './dotenv.js'
import { looksRandom } from './entropy.js'
import { REDACTED } from './redacted.js'
import { scrubText } from './scrub.js'
import { classify, maskCredentials, type Verdict } from './secrets.js'

export { REDACTED } from './redacted.js'

export type RedactionAction = 'kept' | 'redacted' | 'partially-redacted'

export interface RedactionReportEntry {
  /** The variable; for a comment, the name of a commented-out assignment; else null. */
  key: string | null
  /** 1-based source line where the entry starts. */
  line: number
  action: RedactionAction
  /** Why (see secrets.ts); never contains a value. */
  reason: string
  /** `value` of a variable, a `comment` (whole-line or inline), or a `malformed` line. */
  source: 'value' | 'comment' | 'malformed'
}

export interface RedactedEnv {
  text: string
  /** One entry per variable, plus one per comment or malformed line that had to change. */
  report: RedactionReportEntry[]
  /** Lines dotenv cannot read as intended: no assignment, invalid name, unclosed quote. */
  malformed: number[]
}

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{1,60}-----/
const PEM_END = /-----END [A-Z0-9 ]{1,60}-----/

export function redactEnv(text: string): RedactedEnv {
  const report: RedactionReportEntry[] = []
  const malformed: number[] = []
  let out = ''
  // After a PEM header outside quotes, dotenv reads the key's body lines as junk (or as odd
  // variables: `Ab3=`), so they are redacted until the END line.
  let inPem = false
  for (const entry of parseDotenv(text)) {
    if (inPem && continuesPem(entry)) {
      const line = pemLine(entry)
      out += line.text
      report.push(line.report)
      if (line.report.source === 'malformed') malformed.push(entry.line)
      inPem = !PEM_END.test(entry.raw)
      continue
    }
    if (entry.kind === 'other' || (entry.kind === 'var' && isOddVar(entry))) {
      malformed.push(entry.line)
    }
    const rendered = redactEntry(entry)
    out += rendered.text
    report.push(...rendered.report)
    inPem = opensPem(entry)
  }
  return { text: out, report, malformed }
}

interface Rendered {
  text: string
  report: RedactionReportEntry[]
}

function redactEntry(entry: EnvEntry): Rendered {
  switch (entry.kind) {
    case 'blank':
      return { text: entry.raw, report: [] }
    case 'var':
      return redactVar(entry, entry.line, 'value')
    case 'comment':
      return redactComment(entry.before, entry.text, entry.eol, entry.line, entry.raw)
    case 'other':
      return redactOther(entry.text, entry.eol, entry.line, entry.raw)
  }
}

/** dotenv reads it, but not as meant: an unclosed quote, or a random "name" (a pasted key line). */
function isOddVar(entry: VarEntry): boolean {
  return entry.unclosedQuote || looksRandom(entry.key)
}

function redactVar(entry: VarEntry, line: number, source: 'value' | 'comment'): Rendered {
  if (looksRandom(entry.key)) {
    // Not a name but a base64 line of a pasted key that happens to end in `=`.
    const entryReport = { key: null, line, action: 'redacted', reason: 'entropy' } as const
    return { text: `${REDACTED}${entry.eol}`, report: [{ ...entryReport, source: 'malformed' }] }
  }
  // dotenv cuts an unquoted value at a `#` even without a blank before it: `PASS=ab#cd` reads
  // `ab`. The author likely meant `ab#cd`, so the glued part is judged (and cut) with the value.
  const glued =
    entry.quote === '' &&
    entry.after.startsWith('#') &&
    (entry.body !== '' || !/\s$/.test(entry.before))
  let verdict: Verdict = classify(entry.key, entry.value)
  if (glued && !verdict.redact) {
    const whole = classify(entry.key, `${entry.value}${entry.after}`)
    if (whole.redact) verdict = { redact: true, reason: whole.reason }
  }
  let body = entry.body
  let after = entry.after
  let action: RedactionAction = 'kept'
  if (verdict.redact) {
    body = REDACTED
    action = 'redacted'
    if (verdict.masked !== undefined && !glued) {
      // Mask the source text itself so quoting and escapes stay as written; if the masked
      // source would not read back as the masked value, redact the whole value instead.
      const masked = maskCredentials(entry.body).text
      if (decodeBody(entry.quote, masked) === verdict.masked) {
        body = masked
        action = 'partially-redacted'
      }
    }
    if (glued) after = ''
  }
  const report: RedactionReportEntry[] = [
    { key: entry.key, line, action, reason: verdict.reason, source },
  ]
  const hashAt = after.indexOf('#')
  if (hashAt >= 0) {
    const scrubbed = scrubText(after.slice(hashAt + 1))
    if (scrubbed.reasons.length > 0) {
      after = `${after.slice(0, hashAt + 1)}${scrubbed.text}`
      const reason = scrubbed.reasons[0] ?? 'entropy'
      report.push({ key: entry.key, line, action: 'redacted', reason, source: 'comment' })
    }
  }
  const unchanged = body === entry.body && after === entry.after
  return { text: unchanged ? entry.raw : renderVar(entry, body, after), report }
}

function redactComment(
  before: string,
  text: string,
  eol: string,
  line: number,
  raw: string,
): Rendered {
  // A commented-out assignment (`# API_KEY=…`, `## export TOKEN="…"`) is judged by its name.
  const lead = /^[#\s]*/.exec(text)?.[0] ?? ''
  const parsed = parseDotenv(text.slice(lead.length))
  const first = parsed[0]
  if (parsed.length === 1 && first?.kind === 'var' && first.before.includes('=')) {
    const rendered = redactVar(first, line, 'comment')
    const report = rendered.report.filter((r) => r.action !== 'kept')
    if (report.length === 0) return { text: raw, report: [] }
    const fixed = report.map((r) => ({ ...r, source: 'comment' as const }))
    return { text: `${before}${lead}${rendered.text}${eol}`, report: fixed }
  }
  const scrubbed = scrubText(text)
  if (scrubbed.reasons.length === 0) return { text: raw, report: [] }
  const reason = scrubbed.reasons[0] ?? 'entropy'
  return {
    text: `${before}${scrubbed.text}${eol}`,
    report: [{ key: null, line, action: 'redacted', reason, source: 'comment' }],
  }
}

/**
 * A line dotenv skips (`MY KEY=…`, `PASSWORD hunter2`, a stray PEM line). It is kept for the
 * reader, but whatever follows a secret-looking first word or name is cut.
 */
function redactOther(text: string, eol: string, line: number, raw: string): Rendered {
  const loose = /^([^=:]*?)(\s*[=:]\s*)(.*)$/s.exec(text) ?? /^(\s*\S+)(\s+)(.*)$/s.exec(text)
  if (loose) {
    const [, name = '', separator = '', value = ''] = loose
    const verdict = name.trim() === '' ? null : classify(name.trim(), value)
    if (verdict?.redact) {
      return {
        text: `${name}${separator}${REDACTED}${eol}`,
        report: [
          { key: null, line, action: 'redacted', reason: verdict.reason, source: 'malformed' },
        ],
      }
    }
  }
  const scrubbed = scrubText(text)
  if (scrubbed.reasons.length === 0) return { text: raw, report: [] }
  const reason = scrubbed.reasons[0] ?? 'entropy'
  return {
    text: `${scrubbed.text}${eol}`,
    report: [{ key: null, line, action: 'redacted', reason, source: 'malformed' }],
  }
}

function opensPem(entry: EnvEntry): boolean {
  const begin = PEM_BEGIN.exec(entry.raw)
  return begin !== null && !PEM_END.test(entry.raw.slice(begin.index))
}

/** A base64 line, an encrypted-PEM header or the END line, possibly commented out. */
function continuesPem(entry: EnvEntry): boolean {
  if (entry.kind === 'blank' || entry.line !== entry.endLine) return false
  const text = entry.raw.replace(/^\s*#?\s*/, '').trimEnd()
  return (
    /^[A-Za-z0-9+/]+={0,2}$/.test(text) ||
    /^(?:Proc-Type|DEK-Info|Comment):/.test(text) ||
    PEM_END.test(text)
  )
}

function pemLine(entry: EnvEntry): { text: string; report: RedactionReportEntry } {
  const eol = /(?:\r\n|\r|\n)$/.exec(entry.raw)?.[0] ?? ''
  const comment = /^\s*#\s*/.exec(entry.raw)?.[0]
  const source = comment === undefined ? 'malformed' : 'comment'
  return {
    text: `${comment ?? ''}${REDACTED}${eol}`,
    report: { key: null, line: entry.line, action: 'redacted', reason: 'pem', source },
  }
}

/** The env file a template is made from: the example if there is one, else the real one. */
export const ENV_SOURCES = ['.env.example', '.env'] as const

export interface EnvTemplate {
  source: string
  text: string
  /** Names (or `line N`) whose values were redacted. */
  redacted: string[]
}

/**
 * The env template from the first of ENV_SOURCES that `read` finds (the work tree, a commit…),
 * every secret-looking value redacted: no raw secret is ever copied. Undefined when neither is
 * there.
 */
export async function envTemplateFrom(
  read: (source: string) => Promise<string | undefined>,
): Promise<EnvTemplate | undefined> {
  for (const source of ENV_SOURCES) {
    const text = await read(source)
    if (text === undefined) continue
    const r = redactEnv(text)
    const redacted = r.report
      .filter((x) => x.action !== 'kept')
      .map((x) => x.key ?? `line ${x.line}`)
    return { source, text: r.text, redacted: [...new Set(redacted)] }
  }
  return undefined
}
