import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSnapshot, openRepo, restoreSnapshotOperation, undoOperation } from '../../src/index.js'
import { commitAll, fingerprint, makeRepo, sh } from '../helpers/repo.js'

const PATHS = ['a.txt', 'b.txt', 'dir/c.txt', 'dir/sub/d.txt', 'spaced name.txt', 'ü/é.txt', 'dir']

type Edit =
  | { kind: 'write'; path: string; content: string }
  | { kind: 'delete'; path: string }
  | { kind: 'chmod'; path: string }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'stage'; path: string }
  | { kind: 'commit' }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('write' as const),
    path: fc.constantFrom(...PATHS),
    content: fc.string({ maxLength: 40 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ kind: fc.constant('chmod' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({
    kind: fc.constant('symlink' as const),
    path: fc.constantFrom(...PATHS),
    target: fc.constantFrom('a.txt', 'missing', '../x'),
  }),
  fc.record({ kind: fc.constant('stage' as const), path: fc.constantFrom(...PATHS) }),
  fc.constant({ kind: 'commit' as const }),
)

/** Applies an edit the way a person would, clearing whatever stands in the way first. */
function apply(dir: string, e: Edit): void {
  if (e.kind === 'commit') {
    commitAll(dir, 'random commit')
    return
  }
  const file = path.join(dir, e.path)
  if (e.kind === 'stage') {
    // Staging a path that neither exists nor is tracked is a no-op for a person too.
    if (sh(dir, 'git', 'ls-files', '-z', '--', e.path) || fs.existsSync(file)) {
      sh(dir, 'git', 'add', '-A', '--', e.path)
    }
    return
  }
  if (e.kind === 'chmod') {
    const st = fs.lstatSync(file, { throwIfNoEntry: false })
    if (st?.isFile()) fs.chmodSync(file, st.mode & 0o100 ? 0o644 : 0o755)
    return
  }
  removeIfThere(file)
  if (e.kind === 'delete') return
  // A file cannot be created below another file: remove blocking parents.
  for (let p = path.dirname(e.path); p !== '.'; p = path.dirname(p)) {
    const st = fs.lstatSync(path.join(dir, p), { throwIfNoEntry: false })
    if (st && !st.isDirectory()) fs.rmSync(path.join(dir, p))
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  if (e.kind === 'write') fs.writeFileSync(file, e.content)
  else fs.symlinkSync(e.target, file)
}

function removeIfThere(file: string): void {
  try {
    fs.rmSync(file, { recursive: true, force: true })
  } catch (e) {
    // A parent that is a file means the path cannot exist.
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e
  }
}

describe('snapshot round trip (property)', () => {
  it('restore after any edits gives back the exact snapshot state, and undo the exact later state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(edit, { maxLength: 8 }),
        fc.array(edit, { minLength: 1, maxLength: 8 }),
        async (first, second) => {
          const dir = makeRepo({ 'a.txt': 'a\n', 'dir/c.txt': 'c\n' })
          for (const e of first) apply(dir, e)
          const atSnapshot = fingerprint(dir)
          const repo = await openRepo(dir)
          const { snapshot } = await createSnapshot(repo)
          for (const e of second) apply(dir, e)
          const later = fingerprint(dir)
          await restoreSnapshotOperation(repo, snapshot.id)
          expect(fingerprint(dir)).toEqual(atSnapshot)
          await undoOperation(repo, undefined)
          expect(fingerprint(dir)).toEqual(later)
        },
      ),
      { numRuns: Number(process.env.CPO_PROPERTY_RUNS ?? 25) },
    )
  })
})
