import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'

export interface Digested {
  stream: Readable
  /** Size and sha256 of everything that flowed through; throws if it has not all flowed yet. */
  result(): { size: number; sha256: string }
}

/** Passes `source` through unchanged while hashing and counting it. */
export function digested(source: AsyncIterable<Buffer>): Digested {
  const hash = createHash('sha256')
  let size = 0
  let sha256: string | undefined
  async function* pass(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      hash.update(chunk)
      size += chunk.length
      yield chunk
    }
    sha256 = hash.digest('hex')
  }
  return {
    stream: Readable.from(pass(), { objectMode: false }),
    result() {
      if (sha256 === undefined) throw new Error('digest read before the stream ended')
      return { size, sha256 }
    },
  }
}

/** Hashes a whole stream (e.g. a stored archive) without keeping it. */
export async function digestOf(
  source: AsyncIterable<Buffer>,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of source) {
    hash.update(chunk)
    size += chunk.length
  }
  return { size, sha256: hash.digest('hex') }
}
