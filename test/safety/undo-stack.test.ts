import { describe, expect, it } from 'vitest'
import { cpo, fingerprint, makeRepo, sh, writeFiles } from '../helpers/repo.js'

const at = (dir: string) => ({ fp: fingerprint(dir), refs: refs(dir) })
const refs = (dir: string) =>
  sh(dir, 'git', 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags')

/**
 * A repository where three checkpoints were made one after another, each committing new work.
 * `states[n - 1]` is the state right before checkpoint n (its work not committed yet), which is
 * what undoing it gives back; `states[3]` is the state after the last one.
 */
function threeCheckpoints(): {
  dir: string
  states: { fp: Record<string, string>; refs: string }[]
} {
  const dir = makeRepo({ 'app.ts': 'v0\n' })
  const states = []
  for (const n of [1, 2, 3]) {
    writeFiles(dir, { 'app.ts': `v${n}\n`, [`notes-${n}.md`]: `${n}\n` })
    states.push(at(dir))
    expect(cpo(dir, ['checkpoint', 'create', `c${n}`]).code).toBe(0)
  }
  states.push(at(dir))
  return { dir, states }
}

describe('undo walks back, redo walks forward (the undo stack)', () => {
  it('repeated `cpo undo` goes one operation further back each time; `cpo redo` comes forward again', () => {
    const { dir, states } = threeCheckpoints()
    for (const n of [2, 1, 0]) {
      expect(cpo(dir, ['undo']).code).toBe(0)
      expect(at(dir)).toEqual(states[n])
    }
    const none = cpo(dir, ['undo', '--json'])
    expect(none.code).not.toBe(0)
    expect(none.json.error?.code).toBe('NOTHING_TO_UNDO')
    expect(none.json.error?.hint).toMatch(/cpo redo/)
    for (const n of [1, 2, 3]) {
      const redo = cpo(dir, ['redo'])
      expect(redo.code).toBe(0)
      expect(at(dir)).toEqual(states[n])
    }
    const nothing = cpo(dir, ['redo', '--json'])
    expect(nothing.json.error?.code).toBe('NOTHING_TO_REDO')
    expect(at(dir)).toEqual(states[3])
  })

  it('a new operation after an undo empties the redo side', () => {
    const { dir } = threeCheckpoints()
    expect(cpo(dir, ['undo']).code).toBe(0)
    writeFiles(dir, { 'other.md': 'new work\n' })
    expect(cpo(dir, ['checkpoint', 'create', 'other']).code).toBe(0)
    expect(cpo(dir, ['redo', '--json']).json.error?.code).toBe('NOTHING_TO_REDO')
    // The stack now ends with the new checkpoint: undo takes that one back, not c3.
    expect(cpo(dir, ['undo']).code).toBe(0)
    expect(sh(dir, 'git', 'tag', '-l').split('\n').filter(Boolean)).toEqual([
      'checkpoint/c1',
      'checkpoint/c2',
    ])
  })

  it('`cpo undo <op>` reverts that one operation and is itself an operation plain undo takes back', () => {
    const { dir, states } = threeCheckpoints()
    const ops = cpo(dir, ['log', '--json']).json.data.operations
    const last = ops.find((o: { command: string }) => o.command === 'checkpoint create')
    expect(cpo(dir, ['undo', last.id]).code).toBe(0)
    expect(at(dir)).toEqual(states[2])
    expect(cpo(dir, ['undo']).code).toBe(0)
    expect(at(dir)).toEqual(states[3])
  })

  it('--dry-run on undo and redo lists what would change and changes nothing, without --reason', () => {
    const { dir, states } = threeCheckpoints()
    // Undoing c3 gives back its uncommitted work: only refs move.
    const first = cpo(dir, ['undo', '--dry-run', '--json'])
    expect(first.code).toBe(0)
    expect(first.json.data.dryRun).toBe(true)
    expect(first.json.data.plan).toMatchObject({ write: [], remove: [] })
    expect(
      first.json.data.plan.refs.map((r: { ref: string; to: string | null }) => [r.ref, r.to]),
    ).toEqual([
      ['refs/heads/main', sh(dir, 'git', 'rev-parse', 'checkpoint/c2^{commit}').trim()],
      ['refs/tags/checkpoint/c3', null],
    ])
    expect(at(dir)).toEqual(states[3])
    expect(cpo(dir, ['undo']).code).toBe(0)
    // Undoing c2 next: app.ts back to v2, notes-3.md (set aside in this undo's snapshot) removed.
    const dry = cpo(dir, ['undo', '--dry-run', '--json'])
    expect(dry.json.data.plan.write).toEqual(['app.ts'])
    expect(dry.json.data.plan.remove).toEqual(['notes-3.md'])
    const text = cpo(dir, ['undo', '--dry-run'])
    expect(text.stdout).toMatch(/would remove[^\n]*\n\s+notes-3\.md/)
    expect(at(dir)).toEqual(states[2])
    const redo = cpo(dir, ['redo', '--dry-run', '--json'])
    expect(redo.code).toBe(0)
    expect(redo.json.data.redone.command).toBe('checkpoint create')
    expect(at(dir)).toEqual(states[2])
    // Dry runs are not operations.
    expect(cpo(dir, ['log', '--json']).json.data.operations).toHaveLength(4)
  })
})
