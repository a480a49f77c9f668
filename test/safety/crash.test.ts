import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { OPERATION_FAILPOINTS as FAILPOINTS } from '../../src/adapters/failpoint.js'
import { copyOf, cpo, fingerprint, keep, makeRepo, sh, writeFiles } from '../helpers/repo.js'

/** Failpoints reached before the journal says `begun`: the crash leaves nothing to recover. */
const BEFORE_BEGUN = new Set(['lock-taken', 'before-snapshot'])

/**
 * A repository with one finished restore operation, so there is something to undo, and a dirty
 * work tree on top (the user's unsaved work, which no crash may lose).
 */
function scenario(): { dir: string; beforeUndo: Record<string, string> } {
  // Built once per file, copied for each test.
  template ??= keep(buildScenario())
  const dir = copyOf(template)
  return { dir, beforeUndo: fingerprint(dir) }
}

let template: string | undefined

function buildScenario(): string {
  const dir = makeRepo({ 'app.ts': 'v1\n', 'lib/util.ts': 'util v1\n', '.gitignore': '*.log\n' })
  writeFiles(dir, { 'app.ts': 'v2 uncommitted\n', 'notes.txt': 'untracked notes\n' })
  const snap = cpo(dir, ['snapshot', '-m', 'v2', '--json']).json.data.snapshot.id
  writeFiles(dir, { 'app.ts': 'v3\n', 'lib/new.ts': 'new\n', 'debug.log': 'ignored\n' })
  sh(dir, 'git', 'add', '-A')
  sh(dir, 'git', 'commit', '-qm', 'v3')
  sh(dir, 'git', 'tag', 'v3-tag')
  const restored = cpo(dir, ['snapshot', 'restore', snap, '--json'])
  expect(restored.code).toBe(0)
  writeFiles(dir, { 'scratch.txt': 'typed after the restore\n' })
  return dir
}

describe('crash at every failpoint', () => {
  for (const point of FAILPOINTS) {
    it(`undo killed at ${point}: recover (or nothing) leaves a consistent state, nothing lost`, () => {
      const { dir, beforeUndo } = scenario()
      const crashed = cpo(dir, ['undo'], { CPO_FAULT: point })
      expect(crashed.signal).toBe('SIGKILL')

      const status = cpo(dir, ['status', '--json']).json.data
      if (BEFORE_BEGUN.has(point)) {
        expect(status.pendingRecovery).toEqual([])
        expect(fingerprint(dir)).toEqual(beforeUndo)
        return
      }
      if (point === 'journal-done') {
        // The undo finished; only the lock was left behind, and the next command takes it over.
        expect(status.pendingRecovery).toEqual([])
        expect(status.lock.stale).toBe(true)
        const redo = cpo(dir, ['redo'])
        expect(redo.code).toBe(0)
        expect(redo.stderr).toMatch(/took over the lock of pid \d+ \(cpo undo, since /)
        expect(fingerprint(dir)).toEqual(beforeUndo)
        return
      }
      expect(status.pendingRecovery).toHaveLength(1)
      const refused = cpo(dir, ['snapshot', '--json'])
      expect(refused.code).toBe(4)
      expect(refused.json.error?.code).toBe('RECOVERY_PENDING')
      expect(refused.json.error?.hint).toMatch(/cpo recover/)

      const recovered = cpo(dir, ['recover', '--json'])
      expect(recovered.code).toBe(0)
      expect(recovered.json.data.recovered).toBe(true)
      expect(fingerprint(dir)).toEqual(beforeUndo)
      // The half-done state is kept too: recover's own before-snapshot.
      expect(recovered.json.data.before.id).toMatch(/^\d{8}-/)
      expect(cpo(dir, ['status', '--json']).json.data.pendingRecovery).toEqual([])
    })
  }

  for (const point of FAILPOINTS.filter((p) => !BEFORE_BEGUN.has(p) && p !== 'journal-done')) {
    it(`recover killed at ${point} can be run again and still ends where the first crash began`, () => {
      const { dir, beforeUndo } = scenario()
      expect(cpo(dir, ['undo'], { CPO_FAULT: 'restore-deletions' }).signal).toBe('SIGKILL')
      expect(cpo(dir, ['recover'], { CPO_FAULT: point }).signal).toBe('SIGKILL')
      const again = cpo(dir, ['recover', '--json'])
      expect(again.code).toBe(0)
      expect(again.json.data.interrupted.length).toBeGreaterThanOrEqual(1)
      expect(fingerprint(dir)).toEqual(beforeUndo)
      expect(cpo(dir, ['status', '--json']).json.data.pendingRecovery).toEqual([])
    })
  }

  it('a torn last journal line (crash while appending) is skipped and reported, not fatal', () => {
    const { dir } = scenario()
    fs.appendFileSync(path.join(dir, '.git/cpo/oplog.jsonl'), '{"type":"begun","id":"2026')
    const log = cpo(dir, ['log', '--json'])
    expect(log.code).toBe(0)
    expect(log.json.data.damagedLines).toHaveLength(1)
    expect(cpo(dir, ['snapshot']).code).toBe(0)
    expect(cpo(dir, ['log', '--json']).json.data.operations[0].command).toBe('snapshot')
  })
})
