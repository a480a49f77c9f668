/**
 * POSIX ustar headers with pax extended records for what ustar cannot hold (long or non-ASCII
 * names, sizes of 8 GiB and more). Only regular files and directories: that is all a backup
 * writes, and all a restore accepts.
 */
export const BLOCK = 512

export type TarType = 'file' | 'dir'

export interface TarHeader {
  name: string
  type: TarType
  size: number
  mode: number
  mtime: number
}

const MAX_OCTAL_SIZE = 0o77777777777

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`
}

function ustar(name: string, typeflag: string, size: number, mode: number, mtime: number): Buffer {
  const b = Buffer.alloc(BLOCK)
  b.write(name, 0, 100, 'utf8')
  b.write(octal(mode & 0o7777, 8), 100, 'ascii')
  b.write(octal(0, 8), 108, 'ascii')
  b.write(octal(0, 8), 116, 'ascii')
  b.write(octal(Math.min(size, MAX_OCTAL_SIZE), 12), 124, 'ascii')
  b.write(octal(Math.max(0, Math.floor(mtime)), 12), 136, 'ascii')
  b.write('        ', 148, 'ascii')
  b.write(typeflag, 156, 'ascii')
  b.write('ustar\0', 257, 'ascii')
  b.write('00', 263, 'ascii')
  let sum = 0
  for (const byte of b) sum += byte
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii')
  return b
}

/** A pax record is `<len> <key>=<value>\n` where len counts its own digits too. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  let len = Buffer.byteLength(body) + 1
  while (String(len).length + Buffer.byteLength(body) !== len) len++
  return `${len}${body}`
}

export const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK

/** The header block(s) for one entry. */
export function encodeHeader(h: TarHeader): Buffer {
  const name = h.type === 'dir' && !h.name.endsWith('/') ? `${h.name}/` : h.name
  const typeflag = h.type === 'dir' ? '5' : '0'
  const size = h.type === 'dir' ? 0 : h.size
  const records: string[] = []
  // ustar's name field is 100 bytes; a byte-truncated UTF-8 name would be a different name.
  if (Buffer.byteLength(name) > 100 || /[^\x20-\x7e]/.test(name))
    records.push(paxRecord('path', name))
  if (size > MAX_OCTAL_SIZE) records.push(paxRecord('size', String(size)))
  const main = ustar(name.slice(0, 100), typeflag, size, h.mode, h.mtime)
  if (records.length === 0) return main
  const pax = Buffer.from(records.join(''), 'utf8')
  return Buffer.concat([
    ustar('PaxHeader', 'x', pax.length, 0o644, h.mtime),
    pax,
    Buffer.alloc(padding(pax.length)),
    main,
  ])
}

/** Two zero blocks end an archive. */
export const TRAILER = Buffer.alloc(BLOCK * 2)

export interface RawHeader {
  name: string
  typeflag: string
  size: number
  mode: number
  linkname: string
}

function readOctal(b: Buffer, offset: number, width: number): number {
  const text = b
    .subarray(offset, offset + width)
    .toString('ascii')
    .replace(/[\0 ]+$/, '')
    .trim()
  if (text === '') return 0
  if (!/^[0-7]+$/.test(text)) return Number.NaN
  return Number.parseInt(text, 8)
}

const cString = (b: Buffer, offset: number, width: number): string => {
  const field = b.subarray(offset, offset + width)
  const end = field.indexOf(0)
  return field.subarray(0, end < 0 ? width : end).toString('utf8')
}

export const isZeroBlock = (b: Buffer): boolean => b.every((x) => x === 0)

/** Parses one header block; undefined when its checksum is wrong (not a tar header). */
export function decodeHeader(b: Buffer): RawHeader | undefined {
  const stored = readOctal(b, 148, 8)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (b[i] ?? 0)
  if (stored !== sum) return undefined
  const prefix = b.subarray(257, 263).toString('ascii').startsWith('ustar')
    ? cString(b, 345, 155)
    : ''
  const name = cString(b, 0, 100)
  return {
    name: prefix ? `${prefix}/${name}` : name,
    typeflag: String.fromCharCode(b[156] ?? 0),
    size: readOctal(b, 124, 12),
    mode: readOctal(b, 100, 8),
    linkname: cString(b, 157, 100),
  }
}

/** Reads pax records into key/value pairs; undefined when they are malformed. */
export function parsePax(data: Buffer): Map<string, string> | undefined {
  const out = new Map<string, string>()
  let pos = 0
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos)
    if (space < 0) return undefined
    const len = Number(data.subarray(pos, space).toString('ascii'))
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) return undefined
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8')
    const eq = record.indexOf('=')
    if (eq < 0) return undefined
    out.set(record.slice(0, eq), record.slice(eq + 1))
    pos += len
  }
  return out
}
