/** Pull-style reads over a stream of chunks: "give me up to n bytes", without copying the rest. */
export class ByteReader {
  private readonly it: AsyncIterator<Buffer>
  private buf: Buffer = Buffer.alloc(0)
  private done = false
  /** Bytes handed out so far (offsets in error messages). */
  offset = 0

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]()
  }

  /** Up to `max` bytes (at least one), or undefined at the end of the stream. */
  async some(max: number): Promise<Buffer | undefined> {
    while (this.buf.length === 0) {
      if (this.done) return undefined
      const r = await this.it.next()
      if (r.done) this.done = true
      else this.buf = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value)
    }
    const out = this.buf.subarray(0, max)
    this.buf = this.buf.subarray(out.length)
    this.offset += out.length
    return out
  }

  /** Exactly `n` bytes, or fewer when the stream ends first. */
  async exactly(n: number): Promise<Buffer> {
    const parts: Buffer[] = []
    let got = 0
    while (got < n) {
      const b = await this.some(n - got)
      if (b === undefined) break
      parts.push(b)
      got += b.length
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)
  }

  /** Reads and discards the rest so the producer can finish (e.g. a decompressor's exit). */
  async drain(): Promise<void> {
    while ((await this.some(1 << 20)) !== undefined) {
      // discard
    }
  }
}
