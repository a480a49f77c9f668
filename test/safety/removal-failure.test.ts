import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  applying,
  background,
  inSnapshot,
  journal,
  snapshotMessages,
  until,
} from '../helpers/background.js'
import { commitAll, cpo, fingerprint, makeRepo, sh, writeFiles } from '../helpers/repo.js'
import { unremovable } from '../helpers/unremovable.js'

/** A snapshot, then a commit adding gen/a.txt and gen/locked.txt: restoring removes both. */
function scenario(): { dir: string; snap: string } {
  const dir = makeRepo({ 'keep.txt': 'keep\n' })
  const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
  writeFiles(dir, { 'gen/a.txt': 'a\n', 'gen/locked.txt': 'locked\n', 'keep.txt': 'keep v2\n' })
  commitAll(dir, 'generated files')
  return { dir, snap }
}

describe('a removal that fails', () => {
  it('fails the restore with REMOVE_FAILED naming the file and why, and the state is put back', () => {
    const { dir, snap } = scenario()
    const before = fingerprint(dir)
    const release = unremovable(path.join(dir, 'gen/locked.txt'))
    try {
      const r = cpo(dir, ['snapshot', 'restore', snap, '--json'])
      expect(r.code).toBe(6)
      expect(r.json.error?.code).toBe('REMOVE_FAILED')
      expect(r.json.error?.message).toMatch(/gen\/locked\.txt \((EPERM|EACCES)\)/)
      expect(r.json.error?.hint).toMatch(/run the command again/)
      // Put back: gen/a.txt, removed before the failure, is there again; nothing is pending.
      expect(fingerprint(dir)).toEqual(before)
      expect(journal(dir).at(-1)).toMatchObject({ type: 'failed', rolledBack: true })
      expect(cpo(dir, ['status', '--json']).json.data.pendingRecovery).toEqual([])
    } finally {
      release()
    }
  })

  it('the automatic put-back captures a file saved meanwhile and names it in the journal', async () => {
    const { dir, snap } = scenario()
    const release = unremovable(path.join(dir, 'gen/locked.txt'))
    try {
      const run = background(dir, ['snapshot', 'restore', snap, '--json'], {
        CPO_PAUSE: 'restore-head:3000',
      })
      await until(() => applying(dir))
      // The restore fails at gen/locked.txt and puts the state back: held again before its files
      // change, once the state at the failure is captured.
      await until(() =>
        snapshotMessages(dir).some((m) => m.includes('state when the operation failed')),
      )
      writeFiles(dir, { 'gen/a.txt': 'saved while the state was put back\n' })
      const r = await run
      expect(r.json.error?.code).toBe('REMOVE_FAILED')
      const failed = journal(dir).at(-1) as Record<string, any>
      expect(failed).toMatchObject({ type: 'failed', rolledBack: true })
      expect(failed.snapshot).toMatch(/^\d{8}-/)
      expect(failed.changedDuring).toHaveLength(1)
      expect(failed.changedDuring[0].paths).toEqual(['gen/a.txt'])
      sh(dir, 'git', 'gc', '-q', '--prune=now')
      expect(inSnapshot(dir, failed.changedDuring[0].snapshot, 'gen/a.txt')).toBe(
        'saved while the state was put back\n',
      )
      expect(fs.readFileSync(path.join(dir, 'gen/a.txt'), 'utf8')).toBe('a\n')
    } finally {
      release()
    }
  })
})
