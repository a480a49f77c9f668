import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readTar } from '../../src/adapters/archive/tar-read.js'
import { type TarItem, tarChunks } from '../../src/adapters/archive/tar-write.js'
import { tempDir } from '../helpers/repo.js'

const long = `.checkpoints/${'stage-with-a-very-long-name-'.repeat(5)}/état.json`

async function* items(): AsyncGenerator<TarItem> {
  yield { name: 'db', type: 'dir', mode: 0o755, mtime: 0 }
  yield { name: long, type: 'file', mode: 0o644, mtime: 0, content: Buffer.from('{"a":1}\n') }
  yield { name: 'empty', type: 'file', mode: 0o600, mtime: 0, content: Buffer.alloc(0) }
}

describe('tar writer and reader', () => {
  it('long and non-ASCII names survive, and GNU tar reads the same archive', async () => {
    const parts: Buffer[] = []
    const written: string[] = []
    for await (const c of tarChunks(items(), (e) => written.push(e.path))) parts.push(c)
    const bytes = Buffer.concat(parts)
    expect(written).toEqual(['db', long, 'empty'])

    const seen: Array<[string, string, string]> = []
    await readTar(Readable.from([bytes]), async (e, data) => {
      const chunks: Buffer[] = []
      for await (const c of data) chunks.push(c)
      seen.push([e.name, e.type, Buffer.concat(chunks).toString()])
    })
    expect(seen).toEqual([
      ['db/', 'dir', ''],
      [long, 'file', '{"a":1}\n'],
      ['empty', 'file', ''],
    ])

    const file = path.join(tempDir(), 'a.tar')
    fs.writeFileSync(file, bytes)
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n')).toEqual([
      'db/',
      long,
      'empty',
      '',
    ])
  })
})
