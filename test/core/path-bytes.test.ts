import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBytes, encodeText, fsPath } from '../../src/core/path-bytes.js'

describe('path bytes', () => {
  it('round-trips every byte sequence exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(encodeText(decodeBytes(bytes)).equals(Buffer.from(bytes))).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('reads valid UTF-8 as the text it is, U+FFFD included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(decodeBytes(Buffer.from(text, 'utf8'))).toBe(text)
      }),
    )
    expect(decodeBytes(Buffer.from('a\uFFFDb', 'utf8'))).toBe('a\uFFFDb')
  })

  it('keeps bytes that are not UTF-8 as escapes, and only those', () => {
    const latin1 = Buffer.from([0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9]) // "résumé" in Latin-1
    expect(decodeBytes(latin1)).toBe('r\udce9sum\udce9')
    // Overlong "/", an encoded surrogate and a code point past U+10FFFF are not UTF-8.
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      const text = decodeBytes(Buffer.from(bad))
      expect([...text].every((c) => c.charCodeAt(0) >= 0xdc80 && c.charCodeAt(0) <= 0xdcff)).toBe(
        true,
      )
    }
    expect(fsPath('plain/é.txt')).toBe('plain/é.txt')
    expect(fsPath('r\udce9')).toEqual(Buffer.from([0x72, 0xe9]))
  })

  it('survives JSON, as journals and snapshot metadata store it', () => {
    const name = decodeBytes(Buffer.from([0x66, 0xff, 0xfe, 0x0a, 0x67]))
    expect(encodeText(JSON.parse(JSON.stringify({ name })).name)).toEqual(
      Buffer.from([0x66, 0xff, 0xfe, 0x0a, 0x67]),
    )
  })
})
