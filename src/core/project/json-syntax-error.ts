/**
 * Where a JSON text first goes wrong and why. V8's messages differ between Node versions and
 * often carry no position at all (Node 20: `Unexpected token '}', "..." is not valid JSON`), so
 * the location is found by scanning the text with the JSON grammar instead.
 */
export interface JsonSyntaxProblem {
  /** Offset (UTF-16 code units) of the offending character, or the text length at end of input. */
  readonly offset: number
  readonly line: number
  readonly column: number
  readonly problem: string
}

class ScanFailure {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r'])
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c)

/** 1-based line and column of an offset; a CRLF's "\r" belongs to the line it ends. */
export const lineColumnAt = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, offset)
  const lastBreak = before.lastIndexOf('\n')
  let line = 1
  for (const c of before) if (c === '\n') line++
  return { line, column: offset - lastBreak }
}

export const locateJsonSyntaxError = (text: string): JsonSyntaxProblem | undefined => {
  let i = 0

  const found = (at: number): string => {
    const c = text.codePointAt(at)
    return c === undefined ? 'end of input' : JSON.stringify(String.fromCodePoint(c))
  }
  // A declaration with an explicit `never` lets TypeScript narrow after a call.
  function fail(problem: string, at = i): never {
    throw new ScanFailure(at, problem)
  }
  const skipWhitespace = (): void => {
    while (WHITESPACE.has(text[i] ?? '')) i++
  }

  const scanString = (): void => {
    const start = i
    i++
    for (;;) {
      const c = text[i]
      if (c === undefined) fail('unterminated string', start)
      if (c === '"') {
        i++
        return
      }
      if (c === '\\') {
        const e = text[i + 1]
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            if (!isHex(text[i + k])) {
              fail('bad unicode escape in string, expected \\u and 4 hex digits', i + k)
            }
          }
          i += 6
        } else if (e !== undefined && SIMPLE_ESCAPES.has(e)) {
          i += 2
        } else {
          fail(`bad escape ${found(i + 1)} in string`, i + 1)
        }
        continue
      }
      if ((c.codePointAt(0) ?? 0) < 0x20) {
        fail('control character in string (line breaks and tabs must be escaped)')
      }
      i++
    }
  }

  const scanDigits = (what: string): void => {
    if (!isDigit(text[i])) fail(`expected a digit ${what}, found ${found(i)}`)
    while (isDigit(text[i])) i++
  }

  const scanNumber = (): void => {
    if (text[i] === '-') i++
    if (text[i] === '0') i++
    else scanDigits('in number')
    if (text[i] === '.') {
      i++
      scanDigits('after the decimal point')
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++
      if (text[i] === '+' || text[i] === '-') i++
      scanDigits('in the exponent')
    }
  }

  const scanContainer = (close: '}' | ']', scanEntry: () => void, after: string): void => {
    i++
    skipWhitespace()
    if (text[i] === close) {
      i++
      return
    }
    for (;;) {
      scanEntry()
      skipWhitespace()
      if (text[i] === close) {
        i++
        return
      }
      if (text[i] !== ',') fail(`expected ',' or '${close}' after ${after}, found ${found(i)}`)
      i++
      skipWhitespace()
      if (text[i] === close) fail(`trailing comma before '${close}' (not allowed in JSON)`)
    }
  }

  const scanProperty = (): void => {
    skipWhitespace()
    if (text[i] !== '"') fail(`expected a property name in double quotes, found ${found(i)}`)
    scanString()
    skipWhitespace()
    if (text[i] !== ':') fail(`expected ':' after property name, found ${found(i)}`)
    i++
    scanValue()
  }

  const scanValue = (): void => {
    skipWhitespace()
    const c = text[i]
    if (c === '{') scanContainer('}', scanProperty, 'property value')
    else if (c === '[') scanContainer(']', scanValue, 'array element')
    else if (c === '"') scanString()
    else if (c === '-' || isDigit(c)) scanNumber()
    else scanLiteral()
  }

  const scanLiteral = (): void => {
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length
        return
      }
    }
    // A bare word (`tru`, `undefined`, an unquoted name) reads better whole than as one letter.
    const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(i, i + 40))?.[0]
    fail(`expected a value, found ${word === undefined ? found(i) : JSON.stringify(word)}`)
  }

  try {
    scanValue()
    skipWhitespace()
    if (i < text.length) fail(`unexpected ${found(i)} after the end of the JSON value`)
    return undefined
  } catch (e) {
    // Nesting deep enough to overflow the stack: the caller falls back to V8's own message.
    if (e instanceof RangeError) return undefined
    if (!(e instanceof ScanFailure)) throw e
    return { offset: e.offset, ...lineColumnAt(text, e.offset), problem: e.problem }
  }
}
