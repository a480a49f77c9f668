import { CpoError } from '../../errors.js'
import { ByteReader } from './byte-reader.js'
import { BLOCK, decodeHeader, isZeroBlock, padding, parsePax } from './tar-header.js'

export interface TarEntryInfo {
  name: string
  /** `file` and `dir` are the only kinds a backup holds; anything else is reported as `other`. */
  type: 'file' | 'dir' | 'other'
  /** The raw typeflag, to name what an `other` entry is (`2` symlink, `1` hard link …). */
  typeflag: string
  size: number
  mode: number
  linkname: string
}

export type EntryVisitor = (entry: TarEntryInfo, data: AsyncIterable<Buffer>) => Promise<void>

const TYPE_NAMES: Record<string, string> = {
  '1': 'hard link',
  '2': 'symbolic link',
  '3': 'character device',
  '4': 'block device',
  '6': 'FIFO',
  '7': 'contiguous file',
}

export const describeTypeflag = (flag: string): string =>
  TYPE_NAMES[flag] ?? `entry of type ${JSON.stringify(flag)}`

function unreadable(message: string): CpoError {
  return new CpoError('ARCHIVE_UNREADABLE', 'invalidInput', message, {
    hint: 'The archive is damaged or truncated; restore from another backup (`cpo backup list`).',
  })
}

/**
 * Walks a tar stream entry by entry and hands each one's bytes to `visit` as they arrive (never
 * the whole entry at once). What the visitor does not read is skipped. Structural damage (a bad
 * header checksum, a stream that ends inside an entry) stops the walk with ARCHIVE_UNREADABLE.
 */
export async function readTar(source: AsyncIterable<Buffer>, visit: EntryVisitor): Promise<void> {
  const r = new ByteReader(source)
  let pax: Map<string, string> | undefined
  let longName: string | undefined
  for (;;) {
    const at = r.offset
    const block = await r.exactly(BLOCK)
    if (block.length === 0)
      throw unreadable('archive ends without the end-of-archive marker (truncated)')
    if (block.length < BLOCK) throw unreadable(`archive is truncated inside a header at byte ${at}`)
    if (isZeroBlock(block)) {
      await r.drain()
      return
    }
    const h = decodeHeader(block)
    if (h === undefined || Number.isNaN(h.size) || Number.isNaN(h.mode)) {
      throw unreadable(`archive has a damaged header at byte ${at} (checksum mismatch)`)
    }
    if (h.typeflag === 'x' || h.typeflag === 'L' || h.typeflag === 'g') {
      const data = await r.exactly(h.size)
      if (data.length < h.size)
        throw unreadable(`archive is truncated inside an extended header at byte ${at}`)
      await r.exactly(padding(h.size))
      if (h.typeflag === 'L') longName = data.toString('utf8').replace(/\0+$/, '')
      else if (h.typeflag === 'x') {
        pax = parsePax(data)
        if (pax === undefined) throw unreadable(`archive has a malformed pax header at byte ${at}`)
      }
      continue
    }
    const name = pax?.get('path') ?? longName ?? h.name
    const size = pax?.has('size') ? Number(pax.get('size')) : h.size
    const linkname = pax?.get('linkpath') ?? h.linkname
    pax = undefined
    longName = undefined
    const type =
      h.typeflag === '0' || h.typeflag === '\0' ? 'file' : h.typeflag === '5' ? 'dir' : 'other'
    let left = size
    const data: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        while (left > 0) {
          const chunk = await r.some(left)
          if (chunk === undefined)
            throw unreadable(`archive is truncated inside entry ${JSON.stringify(name)}`)
          left -= chunk.length
          yield chunk
        }
      },
    }
    await visit({ name, type, typeflag: h.typeflag, size, mode: h.mode, linkname }, data)
    while (left > 0) {
      const chunk = await r.some(left)
      if (chunk === undefined)
        throw unreadable(`archive is truncated inside entry ${JSON.stringify(name)}`)
      left -= chunk.length
    }
    const pad = await r.exactly(padding(size))
    if (pad.length < padding(size))
      throw unreadable(`archive is truncated after entry ${JSON.stringify(name)}`)
  }
}
