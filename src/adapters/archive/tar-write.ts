import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { CpoError } from '../../errors.js'
import { encodeHeader, padding, type TarType, TRAILER } from './tar-header.js'

export interface TarItem {
  name: string
  type: TarType
  mode: number
  mtime: number
  /** For files: the bytes, or a file of which exactly `size` bytes are streamed. */
  content?: Buffer | { file: string; size: number }
}

export interface WrittenEntry {
  path: string
  type: TarType
  size: number
  mode: number
  sha256?: string
}

/**
 * Yields the archive block by block; files are streamed, never held whole in memory. Each entry
 * is reported to `written` (with its sha256) once its bytes have been yielded, so the caller can
 * build the manifest as the last item from what really went in.
 */
export async function* tarChunks(
  items: AsyncIterable<TarItem>,
  written: (entry: WrittenEntry) => void,
): AsyncGenerator<Buffer> {
  for await (const item of items) {
    if (item.type === 'dir') {
      yield encodeHeader({
        name: item.name,
        type: 'dir',
        size: 0,
        mode: item.mode,
        mtime: item.mtime,
      })
      written({ path: item.name, type: 'dir', size: 0, mode: item.mode })
      continue
    }
    const content = item.content ?? Buffer.alloc(0)
    const size = Buffer.isBuffer(content) ? content.length : content.size
    yield encodeHeader({ name: item.name, type: 'file', size, mode: item.mode, mtime: item.mtime })
    const hash = createHash('sha256')
    if (Buffer.isBuffer(content)) {
      hash.update(content)
      yield content
    } else if (size > 0) {
      let seen = 0
      for await (const chunk of createReadStream(content.file, { start: 0, end: size - 1 })) {
        const b = chunk as Buffer
        seen += b.length
        hash.update(b)
        yield b
      }
      // The header already promised `size` bytes; a file that shrank meanwhile cannot be kept.
      if (seen !== size) {
        throw new CpoError(
          'BACKUP_SOURCE_CHANGED',
          'conflict',
          `${content.file} shrank from ${size} to ${seen} bytes while it was being backed up`,
          { hint: 'Run the backup again when nothing is writing to the project.' },
        )
      }
    }
    const pad = padding(size)
    if (pad > 0) yield Buffer.alloc(pad)
    written({ path: item.name, type: 'file', size, mode: item.mode, sha256: hash.digest('hex') })
  }
  yield TRAILER
}
