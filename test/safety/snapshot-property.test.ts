import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createSnapshot,
  openRepo,
  restoreSnapshotOperation,
  undoOperation,
} from '../../src/index.js'
import { commitAll, fingerprint, makeRepo } from '../helpers/repo.js'

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
    // git refuses some paths (gone, or beyond a symlink); a person would just move on too.
    spawnSync('git', ['add', '-A', '--', e.path], { cwd: dir })
    return
  }
  if (e.kind === 'chmod') {
    const st = statOf(file)
    if (st?.isFile()) fs.chmodSync(file, st.mode & 0o100 ? 0o644 : 0o755)
    return
  }
  removeIfThere(file)
  if (e.kind === 'delete') return
  // A file cannot be created below another file: remove blocking parents.
  const parts = e.path.split('/').slice(0, -1)
  for (let i = 1; i <= parts.length; i++) {
    const parent = path.join(dir, ...parts.slice(0, i))
    const st = statOf(parent)
    if (st && !st.isDirectory()) fs.rmSync(parent)
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  if (e.kind === 'write') fs.writeFileSync(file, e.content)
  else fs.symlinkSync(e.target, file)
}

/** lstat that treats "a parent is a file" like "does not exist". */
function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file)
  } catch {
    return undefined
  }
}

function removeIfThere(file: string): void {
  try {
    fs.rmSync(file, { recursive: true, force: true })
  } catch (e) {
    // A parent that is a file means the path cannot exist.
    if (!['ENOTDIR', 'ELOOP'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e
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
