/**
 * A dotenv parser that keeps the layout of the file. Values are decoded exactly as the `dotenv`
 * package (v16/v17) decodes them, so the value we judge is the value the application sees; the
 * layout pieces around each value let a caller re-render the file byte for byte, or with a
 * value swapped out. dotenv's quirks are kept on purpose (a `#` anywhere ends an unquoted value,
 * `KEY=` takes a quoted value from a later line, `KEY:` at a line end takes the next line): a
 * secret dotenv would load must be seen where dotenv sees it. One is not: dotenv also lets a
 * key and its `=` sit on different lines; here such lines stay malformed (and are scanned).
 */

export type Quote = '' | "'" | '"' | '`'

interface EntryBase {
  /** 1-based number of the first source line. */
  line: number
  /** 1-based number of the last source line: a quoted value may span several. */
  endLine: number
  /** Exact source text, line terminators included: joining every `raw` gives the file back. */
  raw: string
}

export interface BlankEntry extends EntryBase {
  kind: 'blank'
}

export interface CommentEntry extends EntryBase {
  kind: 'comment'
  /** Indentation and the `#`. */
  before: string
  /** Everything after the `#`, without the line terminator. */
  text: string
  eol: string
}

export interface VarEntry extends EntryBase {
  kind: 'var'
  key: string
  /** The value as dotenv returns it. */
  value: string
  quote: Quote
  exported: boolean
  /** Source before the value: indentation, `export `, key, separator, blanks (no quote). */
  before: string
  /** Source between the quotes, or the unquoted value without surrounding blanks. */
  body: string
  /** Source after the closing quote: blanks and the inline comment, without the terminator. */
  after: string
  eol: string
  /** Text of the inline comment after `#`, or null. */
  comment: string | null
  /**
   * The value opens a quote that dotenv could not close at a clean line end, so dotenv fell
   * back to reading the rest of the line literally. Almost always a mistake worth reporting.
   */
  unclosedQuote: boolean
}

export interface OtherEntry extends EntryBase {
  kind: 'other'
  /** Always true: dotenv skips such a line silently, we keep it and let the caller report it. */
  malformed: true
  problem: 'invalid-key' | 'no-assignment'
  text: string
  eol: string
}

export type EnvEntry = BlankEntry | CommentEntry | VarEntry | OtherEntry

interface Line {
  text: string
  eol: string
}

/** The file as lines, plus the `\n`-joined text dotenv actually scans (it rewrites CRLF and CR). */
interface Doc {
  lines: Line[]
  normalized: string
  normStart: number[]
  rawStart: number[]
  raw: string
}

const QUOTES = new Set(["'", '"', '`'])
// dotenv: optional `export`, a key of word chars, dots and dashes, then `=` or `: `.
const HEAD = /^([^\S\r\n]*)(?:(export)[^\S\r\n]+)?([\w.-]+)(?:[^\S\r\n]*=|:(?=[^\S\r\n]|$))/
// What dotenv accepts after a closing quote: blanks and an optional comment, to the line end.
const CLEAN_TAIL = /^\s*(?:#[\s\S]*)?$/

export function parseDotenv(text: string): EnvEntry[] {
  const doc = makeDoc(text)
  const entries: EnvEntry[] = []
  let index = 0
  while (index < doc.lines.length) {
    const entry = parseAt(doc, index)
    entries.push(entry)
    index = entry.endLine
  }
  return entries
}

/** Joins the raw text of entries: the inverse of `parseDotenv`. */
export function renderDotenv(entries: readonly EnvEntry[]): string {
  return entries.map((e) => e.raw).join('')
}

/** Re-renders a variable with another source body in the same quotes and layout. */
export function renderVar(entry: VarEntry, body: string, after: string = entry.after): string {
  return `${entry.before}${entry.quote}${body}${entry.quote}${after}${entry.eol}`
}

/**
 * Decodes a source body the way dotenv does. Only double quotes expand `\n` and `\r`; dotenv also
 * expands them in an unquoted value that merely starts with `"` (a quirk we keep).
 */
export function decodeBody(quote: Quote, body: string): string {
  const normalized = body.replace(/\r\n?/g, '\n')
  const expand = quote === '"' || (quote === '' && normalized.startsWith('"'))
  return expand ? normalized.replace(/\\n/g, '\n').replace(/\\r/g, '\r') : normalized
}

function makeDoc(text: string): Doc {
  const lines: Line[] = []
  let start = 0
  for (const m of text.matchAll(/\r\n|\r|\n/g)) {
    lines.push({ text: text.slice(start, m.index), eol: m[0] })
    start = m.index + m[0].length
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: '' })
  const normStart: number[] = []
  const rawStart: number[] = []
  let n = 0
  let r = 0
  for (const line of lines) {
    normStart.push(n)
    rawStart.push(r)
    n += line.text.length + 1
    r += line.text.length + line.eol.length
  }
  return { lines, normalized: lines.map((l) => l.text).join('\n'), normStart, rawStart, raw: text }
}

function lineAt(doc: Doc, index: number): Line {
  const line = doc.lines[index]
  if (line === undefined) throw new RangeError(`no line ${index}`)
  return line
}

function startOf(starts: number[], index: number): number {
  return starts[index] ?? 0
}

function rawOf(doc: Doc, index: number): string {
  const line = lineAt(doc, index)
  return line.text + line.eol
}

function parseAt(doc: Doc, index: number): EnvEntry {
  const { text, eol } = lineAt(doc, index)
  const base = { line: index + 1, endLine: index + 1, raw: rawOf(doc, index) }
  if (/^\s*$/.test(text)) return { ...base, kind: 'blank' }
  const hash = /^(\s*#)(.*)$/s.exec(text)
  if (hash) return { ...base, kind: 'comment', before: hash[1] ?? '#', text: hash[2] ?? '', eol }
  const head = HEAD.exec(text)
  const next = doc.lines[index + 1]
  // dotenv's `:\s+?` needs one blank; at a line end that blank is the line break itself.
  const colonAtEnd = head?.[0].endsWith(':') === true && head[0].length === text.length
  if (!head || (colonAtEnd && next === undefined)) {
    const problem = text.includes('=') ? 'invalid-key' : 'no-assignment'
    return { ...base, kind: 'other', malformed: true, problem, text, eol }
  }
  const named = { key: head[3] ?? '', exported: head[2] !== undefined }
  if (!colonAtEnd) return { ...parseValue(doc, index, index, head[0].length), ...named }
  // `KEY:` then the value on the next line, unless that line is blank or a comment.
  if (next === undefined || /^\s*(?:#|$)/.test(next.text)) {
    return { ...parseUnquoted(doc, index, index, head[0].length), ...named }
  }
  return { ...parseValue(doc, index, index + 1, 0), ...named }
}

type VarLayout = Omit<VarEntry, 'key' | 'exported'>

/**
 * The value of the variable starting on line `first`, read from column `col` of `valueLine`.
 * dotenv allows blanks, line breaks included, before an opening quote: `KEY=` followed by a line
 * holding `"value"` assigns `value`, so the quote is looked for past the end of the line.
 */
function parseValue(doc: Doc, first: number, valueLine: number, col: number): VarLayout {
  const { normalized } = doc
  let k = startOf(doc.normStart, valueLine) + col
  while (k < normalized.length && /\s/.test(normalized[k] ?? '')) k++
  const open = normalized[k]
  if (open !== undefined && QUOTES.has(open)) {
    const quoted = parseQuoted(doc, first, k, open as Quote)
    if (quoted) return quoted
  }
  return parseUnquoted(doc, first, valueLine, col)
}

/**
 * dotenv's regex for a quoted value is `"(?:\\"|[^"])*"` followed by blanks, an optional comment
 * and the line end. Backtracking makes the closing quote the first unescaped quote or, failing
 * that, an escaped one (`\"`) tried from the last to the first; the first that leaves a clean
 * line end wins. A value may span lines.
 */
function parseQuoted(doc: Doc, first: number, open: number, quote: Quote): VarLayout | null {
  const { normalized } = doc
  const start = open + 1
  const escaped: number[] = []
  let unescaped = -1
  for (let k = start; k < normalized.length; k++) {
    const ch = normalized[k]
    if (ch === '\\' && normalized[k + 1] === quote) {
      escaped.push(k + 1)
      k++
    } else if (ch === quote) {
      unescaped = k
      break
    }
  }
  const candidates = unescaped >= 0 ? [unescaped, ...escaped.reverse()] : escaped.reverse()
  const openLine = lineIndexOf(doc, first, open)
  for (const close of candidates) {
    const last = lineIndexOf(doc, openLine, close)
    const lineEnd = startOf(doc.normStart, last) + lineAt(doc, last).text.length
    if (!CLEAN_TAIL.test(normalized.slice(close + 1, lineEnd))) continue
    const rawFrom = rawOffset(doc, openLine, start)
    const rawClose = rawOffset(doc, last, close)
    const rawLineEnd = startOf(doc.rawStart, last) + lineAt(doc, last).text.length
    const after = doc.raw.slice(rawClose + 1, rawLineEnd)
    return {
      kind: 'var',
      line: first + 1,
      endLine: last + 1,
      raw: rawLines(doc, first, last),
      value: decodeBody(quote, normalized.slice(start, close)),
      quote,
      before: doc.raw.slice(startOf(doc.rawStart, first), rawFrom - 1),
      body: doc.raw.slice(rawFrom, rawClose),
      after,
      eol: lineAt(doc, last).eol,
      comment: commentOf(after),
      unclosedQuote: false,
    }
  }
  return null
}

/** dotenv's unquoted value is `[^#\r\n]+`, trimmed: a `#` anywhere starts a comment. */
function parseUnquoted(doc: Doc, first: number, valueLine: number, col: number): VarLayout {
  const { text, eol } = lineAt(doc, valueLine)
  const rest = text.slice(col)
  const hashAt = rest.indexOf('#')
  const group = hashAt < 0 ? rest : rest.slice(0, hashAt)
  const trimmed = group.trim()
  const bodyStart = col + group.length - group.trimStart().length
  const after = text.slice(bodyStart + trimmed.length)
  const opensQuote = trimmed.length > 0 && QUOTES.has(trimmed[0] ?? '')
  // dotenv strips one pair of matching quotes from the trimmed text even here.
  const stripped = /^(['"`])([\s\S]*)\1$/.exec(trimmed)
  const quote = (stripped ? stripped[1] : '') as Quote
  const body = stripped ? (stripped[2] ?? '') : trimmed
  return {
    kind: 'var',
    line: first + 1,
    endLine: valueLine + 1,
    raw: rawLines(doc, first, valueLine),
    value: decodeBody(quote, stripped ? body : trimmed),
    quote,
    before: doc.raw.slice(
      startOf(doc.rawStart, first),
      startOf(doc.rawStart, valueLine) + bodyStart,
    ),
    body,
    after,
    eol,
    comment: commentOf(after),
    unclosedQuote: opensQuote,
  }
}

function rawLines(doc: Doc, first: number, last: number): string {
  let raw = ''
  for (let i = first; i <= last; i++) raw += rawOf(doc, i)
  return raw
}

function lineIndexOf(doc: Doc, from: number, offset: number): number {
  let line = from
  while (line + 1 < doc.lines.length && startOf(doc.normStart, line + 1) <= offset) line++
  return line
}

function rawOffset(doc: Doc, line: number, normOffset: number): number {
  return startOf(doc.rawStart, line) + (normOffset - startOf(doc.normStart, line))
}

function commentOf(after: string): string | null {
  const at = after.indexOf('#')
  return at < 0 ? null : after.slice(at + 1)
}
