import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, fingerprint, makeRepo, sh, writeFiles } from '../helpers/repo.js'

/** A repository with a snapshot whose restore has to write the index (it holds a staged change). */
function repoWithSnapshot(): { dir: string; id: string } {
  const dir = makeRepo({ 'a.txt': 'one\n', 'b.txt': 'bee\n' })
  writeFiles(dir, { 'a.txt': 'two\n' })
  sh(dir, 'git', 'add', 'a.txt')
  const snap = cpo(dir, ['--json', 'snapshot', '-m', 'A'])
  expect(snap.code, snap.stderr).toBe(0)
  writeFiles(dir, { 'a.txt': 'three\n', 'c.txt': 'new\n' })
  sh(dir, 'git', 'add', 'a.txt')
  return { dir, id: snap.json.data.snapshot.id }
}

describe('.git/index.lock held by another process', () => {
  it('left by a killed process: refused before anything changes, with what to do', () => {
    const { dir, id } = repoWithSnapshot()
    const before = fingerprint(dir)
    const lock = path.join(dir, '.git', 'index.lock')
    fs.writeFileSync(lock, '')

    const r = cpo(dir, ['--json', 'snapshot', 'restore', id])
    expect(r.code).toBe(4)
    expect(r.json.error).toMatchObject({ code: 'INDEX_LOCKED' })
    expect(r.json.error?.hint).toContain(`delete ${lock}`)
    expect(fingerprint(dir)).toEqual(before)
    expect(fs.existsSync(lock)).toBe(true) // not cpo's to remove
    // The restore never began: the journal holds only the snapshot, nothing to recover.
    const ops = cpo(dir, ['--json', 'log']).json.data.operations
    expect(ops.map((o: { command: string; status: string }) => [o.command, o.status])).toEqual([
      ['snapshot', 'done'],
    ])

    fs.rmSync(lock)
    const again = cpo(dir, ['--json', 'snapshot', 'restore', id])
    expect(again.code, again.stderr).toBe(0)
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('M  a.txt\n')
  })

  it('held for a moment (an editor running git status): cpo waits for it', async () => {
    const { dir, id } = repoWithSnapshot()
    const lock = path.join(dir, '.git', 'index.lock')
    fs.writeFileSync(lock, '')
    const releaser = spawn('sh', ['-c', `sleep 0.4; rm -f '${lock}'`], { stdio: 'ignore' })
    const released = new Promise((resolve) => releaser.on('exit', resolve))
    const r = cpo(dir, ['--json', 'snapshot', 'restore', id])
    await released
    expect(r.code, r.stderr).toBe(0)
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('M  a.txt\n')
  })
})
