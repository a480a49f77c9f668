import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { compress, decompress } from '../../src/adapters/archive/compression.js'

async function bytesOf(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of stream) parts.push(c)
  return Buffer.concat(parts)
}

// A backup writes the compressor's output only once its store file is open; under load zstd has
// finished a small archive by then. Node drops a child's unread stdout once the child exits, which
// once gave an empty archive whose manifest recorded size 0 (and a restore that found no tar).
describe('compression when the reader comes late', () => {
  const input = Buffer.concat([Buffer.alloc(512, 7), Buffer.from('the tail\n'), Buffer.alloc(1024)])

  it.each(['zstd', 'gzip', 'none'] as const)(
    '%s keeps every byte until it is read',
    async (kind) => {
      const packed = compress(Readable.from([input]), kind)
      await packed.finished // the compressor has exited; nothing has read its output yet
      await new Promise((r) => setTimeout(r, 50))
      const compressed = await bytesOf(packed.output)
      expect(compressed.length).toBeGreaterThan(0)

      const unpacked = decompress(Readable.from([compressed]), kind)
      await unpacked.finished
      await new Promise((r) => setTimeout(r, 50))
      expect((await bytesOf(unpacked.output)).equals(input)).toBe(true)
    },
  )
})
