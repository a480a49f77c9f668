/**
 * File names are bytes, and git hands them over as bytes; a JavaScript string cannot hold every
 * byte sequence as UTF-8 text. Decoding a name that is not valid UTF-8 the usual way turns each bad
 * byte into U+FFFD and loses it for good (`r\xe9sum\xe9.txt` becomes a file that does not exist).
 *
 * So paths travel as strings in which valid UTF-8 reads as itself and every byte that is not part
 * of valid UTF-8 is kept as the lone surrogate U+DC80 + byte (Python's "surrogateescape"). The
 * mapping is exact both ways, valid UTF-8 never decodes to a lone surrogate, and JSON keeps lone
 * surrogates as `\udcXX` escapes, so such names survive journals and snapshot metadata too. A
 * string that holds escapes must reach the file system as a Buffer (`fsPath`) and git only through
 * stdin (`encodeText`), never as a command-line argument.
 */

/** Bytes to text, keeping every byte that is not valid UTF-8 as U+DC80 + byte. */
export function decodeBytes(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  // Valid UTF-8 decodes without U+FFFD unless the text itself holds one: then decode by hand.
  return text.includes('\uFFFD') ? decodeSlowly(bytes) : text
}

/** Text back to the exact bytes `decodeBytes` read it from. */
export function encodeText(text: string): Buffer {
  if (text.isWellFormed()) return Buffer.from(text, 'utf8')
  const parts: Buffer[] = []
  let run = ''
  for (const ch of text) {
    const code = ch.charCodeAt(0)
    if (ch.length === 1 && code >= 0xdc80 && code <= 0xdcff) {
      if (run) parts.push(Buffer.from(run, 'utf8'))
      run = ''
      parts.push(Buffer.of(code - 0xdc00))
    } else run += ch
  }
  if (run) parts.push(Buffer.from(run, 'utf8'))
  return Buffer.concat(parts)
}

/** A path as the file system must get it: the string itself, or its bytes when it holds escapes. */
export function fsPath(p: string): string | Buffer {
  return p.isWellFormed() ? p : encodeText(p)
}

/** Whether a path can go on a command line as it is (only text without escapes can). */
export const isPlainText = (p: string): boolean => p.isWellFormed()

function decodeSlowly(bytes: Uint8Array): string {
  const out: string[] = []
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] as number
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xc2 ? 2 : 1
    if (b < 0x80 || need === 1 || i + need > bytes.length || b > 0xf4) {
      out.push(b < 0x80 ? String.fromCharCode(b) : String.fromCharCode(0xdc00 + b))
      i++
      continue
    }
    const second = bytes[i + 1] as number
    // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
    const [lo, hi] =
      b === 0xe0
        ? [0xa0, 0xbf]
        : b === 0xed
          ? [0x80, 0x9f]
          : b === 0xf0
            ? [0x90, 0xbf]
            : b === 0xf4
              ? [0x80, 0x8f]
              : [0x80, 0xbf]
    let ok = second >= lo && second <= hi
    for (let k = 2; ok && k < need; k++) ok = ((bytes[i + k] as number) & 0xc0) === 0x80
    if (!ok) {
      out.push(String.fromCharCode(0xdc00 + b))
      i++
      continue
    }
    let cp = b & (0xff >> (need + 1))
    for (let k = 1; k < need; k++) cp = (cp << 6) | ((bytes[i + k] as number) & 0x3f)
    out.push(String.fromCodePoint(cp))
    i += need
  }
  return out.join('')
}
