import { describe, expect, it } from 'vitest'
import { lineColumnAt, locateJsonSyntaxError } from '../../../src/core/project/index.js'

const v8Position = (text: string): number | undefined => {
  try {
    JSON.parse(text)
    return undefined
  } catch (error) {
    const match = /at position (\d+)/.exec((error as Error).message)
    return match?.[1] === undefined ? undefined : Number(match[1])
  }
}

describe('locateJsonSyntaxError', () => {
  it.each([
    ['{"a":1', 6, "expected ',' or '}' after property value, found end of input"],
    ['{"a" 1}', 5, `expected ':' after property name, found "1"`],
    ['[1 2]', 3, `expected ',' or ']' after array element, found "2"`],
    ['{"a":"x\ny"}', 7, 'control character in string (line breaks and tabs must be escaped)'],
    ['"\\x"', 2, 'bad escape "x" in string'],
    ['"\\u12G4"', 5, 'bad unicode escape in string, expected \\u and 4 hex digits'],
    ['[-]', 2, 'expected a digit in number, found "]"'],
    ['[1.]', 3, 'expected a digit after the decimal point, found "]"'],
    ['[1e]', 3, 'expected a digit in the exponent, found "]"'],
    ['{a:1}', 1, 'expected a property name in double quotes, found "a"'],
    ['[1,,2]', 3, 'expected a value, found ","'],
    ['{"a":1,}', 7, "trailing comma before '}' (not allowed in JSON)"],
    ['[tru]', 1, 'expected a value, found "tru"'],
    ['{"a": undefined}', 6, 'expected a value, found "undefined"'],
    ['{} x', 3, 'unexpected "x" after the end of the JSON value'],
    ['"abc', 0, 'unterminated string'],
    ['[01]', 2, `expected ',' or ']' after array element, found "1"`],
    ['\t\n  ', 4, 'expected a value, found end of input'],
    ["{'a': 1}", 1, `expected a property name in double quotes, found "'"`],
    ['["😀" 1]', 6, `expected ',' or ']' after array element, found "1"`],
  ])('%j fails at %i: %s', (text, offset, problem) => {
    expect(locateJsonSyntaxError(text)).toMatchObject({ offset, problem })
  })

  it('agrees with the positions V8 reports, except for strings (reported at their start)', () => {
    const texts = ['{"a":1', '{"a" 1}', '[1 2]', '[1e]', '{"a":1,}', '{} x', '[01]', '{"a":[1,2}']
    for (const text of texts) {
      expect({ text, offset: locateJsonSyntaxError(text)?.offset }).toEqual({
        text,
        offset: v8Position(text),
      })
    }
  })

  it('finds nothing wrong in valid JSON', () => {
    for (const text of ['{}', '[]', '0', '-1.5e+10', '"\\u00e9\\n"', ' {"a":[true,false,null]} ']) {
      expect({ text, problem: locateJsonSyntaxError(text) }).toEqual({ text, problem: undefined })
    }
  })

  it('gives lines and columns from 1, with CRLF counted as one line break', () => {
    expect(locateJsonSyntaxError('{\r\n  "a": 1\r\n  "b": 2\r\n}')).toEqual({
      offset: 15,
      line: 3,
      column: 3,
      problem: `expected ',' or '}' after property value, found "\\""`,
    })
    expect(lineColumnAt('ab\ncd', 0)).toEqual({ line: 1, column: 1 })
    expect(lineColumnAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 })
  })
})
