import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, makeRepo, tempDir, writeFiles } from '../helpers/repo.js'

describe('sidecar names a backup cannot carry', () => {
  it('a .checkpoints file whose name is not UTF-8 is reported as not backed up, never dropped in silence', () => {
    const src = makeRepo()
    writeFiles(src, { '.checkpoints/stage-1/state.json': '{}\n' })
    // "café.json" in Latin-1: the byte 0xe9 alone is not UTF-8.
    const latin1 = Buffer.concat([
      Buffer.from(path.join(src, '.checkpoints', 'stage-1', 'caf')),
      Buffer.from([0xe9]),
      Buffer.from('.json'),
    ])
    fs.writeFileSync(latin1, '{"a":1}\n')
    const env = { CPO_BACKUP_STORE: path.join(tempDir('cpo-store-'), 'store') }

    const created = cpo(src, ['--json', 'backup', 'create'], env)
    expect(created.code).toBe(0)
    expect(created.json.data.skipped).toEqual([
      {
        path: '.checkpoints/stage-1/caf\ufffd.json',
        reason: 'its name is not valid UTF-8 (bytes 636166e92e6a736f6e); rename it to back it up',
      },
    ])
    expect(cpo(src, ['backup', 'create'], env).stdout).toContain('not backed up:')

    const target = path.join(tempDir(), 'r')
    const restored = cpo(tempDir(), ['--json', 'restore', created.json.data.id, target], env)
    expect(restored.code).toBe(0)
    expect(restored.json.data.notRestored).toContainEqual({
      what: '.checkpoints/stage-1/caf\ufffd.json',
      why: 'its name is not valid UTF-8 (bytes 636166e92e6a736f6e); rename it to back it up',
    })
    expect(fs.readFileSync(path.join(target, '.checkpoints/stage-1/state.json'), 'utf8')).toBe(
      '{}\n',
    )
  })
})
