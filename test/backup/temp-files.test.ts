import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, makeRepo, tempDir } from '../helpers/repo.js'

describe('backup scratch files', () => {
  it('a create killed while streaming leaves nothing in the system temp folder; the next run sweeps its leftover', () => {
    const src = makeRepo({ 'README.md': '# app\n' })
    // The child's os.tmpdir(): empty, so anything a run leaves there shows.
    const tmp = tempDir('cpo-tmpdir-')
    const env = { CPO_BACKUP_STORE: path.join(tempDir('cpo-store-'), 'store'), TMPDIR: tmp }
    const scratch = path.join(src, '.git', 'cpo', 'backup-tmp')

    const killed = cpo(src, ['backup', 'create'], { ...env, CPO_FAULT: 'backup-streaming' })
    expect(killed.signal).toBe('SIGKILL')
    expect(fs.readdirSync(tmp)).toEqual([])
    const [left] = fs.readdirSync(scratch)
    expect(left).toMatch(/^cpo-backup-/)
    expect(fs.readdirSync(path.join(scratch, left as string))).toEqual(['repo.bundle'])

    const next = cpo(src, ['--json', 'backup', 'create'], env)
    expect(next.code).toBe(0)
    expect(fs.readdirSync(scratch)).toEqual([])
    expect(fs.readdirSync(tmp)).toEqual([])
    // verify extracts beside the store and cleans up after itself.
    expect(cpo(src, ['backup', 'verify', '--deep', next.json.data.id], env).code).toBe(0)
    expect(fs.readdirSync(tmp)).toEqual([])
    expect(fs.readdirSync(path.join(env.CPO_BACKUP_STORE, '.cpo-tmp'))).toEqual([])
  })

  it("another live run's scratch directory is left alone; a dead one's is removed", () => {
    const src = makeRepo({ 'README.md': '# app\n' })
    const env = { CPO_BACKUP_STORE: path.join(tempDir('cpo-store-'), 'store') }
    const scratch = path.join(src, '.git', 'cpo', 'backup-tmp')
    const host = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8)
    // This test process is alive; a process that has exited is not.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout
    const live = path.join(scratch, `cpo-backup-${host}-${process.pid}-0a0a0a0a`)
    const gone = path.join(scratch, `cpo-backup-${host}-${dead}-0b0b0b0b`)
    for (const d of [live, gone]) {
      fs.mkdirSync(d, { recursive: true })
      fs.writeFileSync(path.join(d, 'repo.bundle'), 'partial')
    }
    expect(cpo(src, ['backup', 'create'], env).code).toBe(0)
    expect(fs.readdirSync(scratch)).toEqual([path.basename(live)])
    expect(fs.readFileSync(path.join(live, 'repo.bundle'), 'utf8')).toBe('partial')
  })
})
