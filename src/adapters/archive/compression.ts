import { spawn } from 'node:child_process'
import { constants, promises as fsp } from 'node:fs'
import path from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import type { Compression } from '../../core/backup/manifest.js'
import { CpoError } from '../../errors.js'

export interface Transformed {
  output: Readable
  /** Settles when the (de)compressor has finished; rejects with what went wrong. */
  finished: Promise<void>
  /** Stops the work early (the consumer gave up); `finished` then settles without an error. */
  abort(): void
}

/** zstd is on PATH? Node 20 has no zstd of its own (it arrived in 22.15). */
export async function zstdAvailable(): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    try {
      await fsp.access(path.join(dir, 'zstd'), constants.X_OK)
      return true
    } catch {
      // not here
    }
  }
  return false
}

/** The first bytes tell the format, so an archive is readable even without its manifest. */
export function sniffCompression(head: Buffer): Compression {
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd'
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip'
  return 'none'
}

export function compress(source: Readable, kind: Compression): Transformed {
  if (kind === 'zstd') return throughZstd(source, ['-q', '-3', '-T0', '-c'])
  if (kind === 'gzip') return throughZlib(source, createGzip({ level: 6 }))
  return passThrough(source)
}

export function decompress(source: Readable, kind: Compression): Transformed {
  if (kind === 'zstd') return throughZstd(source, ['-q', '-d', '-c'])
  if (kind === 'gzip') return throughZlib(source, createGunzip())
  return passThrough(source)
}

function passThrough(source: Readable): Transformed {
  return { output: source, finished: Promise.resolve(), abort: () => source.destroy() }
}

function throughZlib(source: Readable, z: NodeJS.ReadWriteStream & Readable): Transformed {
  let aborted = false
  // pipeline waits only for the last stream's writable side, so this cannot wait on the reader.
  const finished = pipeline(source, z).catch((e: Error) => {
    if (aborted) return
    throw e instanceof CpoError ? e : failure('gzip', e.message)
  })
  finished.catch(() => {}) // the caller awaits it; do not let it count as unhandled meanwhile
  return {
    output: z,
    finished,
    abort() {
      aborted = true
      source.destroy()
      z.destroy()
    },
  }
}

function throughZstd(source: Readable, args: string[]): Transformed {
  const child = spawn('zstd', args, { stdio: ['pipe', 'pipe', 'pipe'] })
  const err: Buffer[] = []
  let aborted = false
  child.stderr.on('data', (d: Buffer) => err.push(d))
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new CpoError('ZSTD_NOT_INSTALLED', 'external', 'zstd is not installed or not on PATH', {
              hint: 'Install zstd (apt install zstd), or create backups with --compression gzip.',
            })
          : failure('zstd', e.message),
      )
    })
    child.on('close', (code, signal) => {
      if (code === 0 || aborted) resolve()
      else {
        const text = Buffer.concat(err).toString('utf8').trim().split('\n').at(-1) ?? ''
        reject(failure('zstd', text || `exit ${code ?? signal}`))
      }
    })
  })
  // zstd may exit early on bad input; its exit status says why, so a broken pipe is not news.
  const fed = pipeline(source, child.stdin).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && !aborted) {
      child.kill('SIGKILL')
      throw e
    }
  })
  const finished = Promise.all([fed, exited]).then(() => undefined)
  finished.catch(() => {})
  // Node discards a child's stdout that nobody listens to by the tick after the child exits
  // (child_process flushStdio resumes it). zstd finishes a small archive before the caller has
  // opened the file it writes to, so the output is taken at once; the pipe keeps backpressure.
  const output = new PassThrough()
  pipeline(child.stdout, output).catch(() => {}) // a read error reaches the consumer through output
  return {
    output,
    finished,
    abort() {
      aborted = true
      source.destroy()
      output.destroy()
      child.kill('SIGKILL')
    },
  }
}

function failure(tool: string, message: string): CpoError {
  return new CpoError('ARCHIVE_UNREADABLE', 'invalidInput', `${tool} failed: ${message}`, {
    hint: 'The archive is damaged or truncated; restore from another backup (`cpo backup list`).',
  })
}

/**
 * The output as a stream that errors when the producer failed, so a consumer writing it to the
 * store never commits an archive whose tail is missing.
 */
export function checkedOutput(t: Transformed): Readable {
  async function* guarded(): AsyncGenerator<Buffer> {
    for await (const chunk of t.output) yield chunk as Buffer
    await t.finished
  }
  return Readable.from(guarded(), { objectMode: false })
}
