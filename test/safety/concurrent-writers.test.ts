/**
 * "Going back never loses anything" while something else keeps writing: editors, formatters and
 * dev servers do not stop for cpo. A scan is a photograph, not a lock (README: how the safety
 * protocol works), so every operation that replaces or removes a file must check, right before,
 * that the file still holds what its before-snapshot recorded.
 *
 * The invariant, on the byte strings a concurrent writer produced (each one unique): a write is
 * *owed* when it was the writer's last action on its path (final), when the writer found it
 * replaced by someone else before its next action there (displaced: cpo destroyed it), or when
 * it sat on disk for the whole run of a cpo command that took a snapshot (spanned). A content the
 * writer overwrote itself before any scan could see it is not owed: nothing could capture it.
 * Every owed content must, after `git gc --prune=now`, be a file on disk or a blob in the tree
 * of a snapshot commit (refs/cpo/snapshots/*) or of one of its parents (HEAD, index). The exact
 * rules are in test/helpers/lost-writes.mjs.
 *
 * The first block makes the race deterministic: the operation is frozen right after its
 * before-snapshot is journaled, the user's edit lands, and the operation goes on. The property
 * runs real cpo commands (and crashes at failpoints followed by `cpo recover`) while writer.mjs
 * runs in a separate process. More runs: CPO_PROPERTY_RUNS=<n>.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { OPERATION_FAILPOINTS } from '../../src/adapters/failpoint.js'
import { editWhileRunning, startWriter, timedCpo } from '../helpers/concurrent.js'
import {
  blobId,
  describeLost,
  lostWrites,
  type RunWindow,
  snapshotBlobs,
  workTreeBlobs,
} from '../helpers/lost-writes.mjs'
import { cpo, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { builtProject } from '../rollback/build.js'

let built: string | undefined
afterAll(() => {
  if (built) fs.rmSync(built, { recursive: true, force: true })
})

/**
 * A fresh copy of the project test/rollback/build.ts makes (built once per file: it takes a dozen
 * cpo runs). A git repository is just files, so a copy is the same repository.
 */
function project(): string {
  if (!built) {
    built = fs.mkdtempSync(path.join(os.tmpdir(), 'cpo-built-'))
    fs.cpSync(builtProject(), built, { recursive: true })
  }
  const dir = tempDir()
  fs.cpSync(built, dir, { recursive: true })
  return dir
}

/** The edits among `contents` (path → bytes written) that are neither on disk nor in a snapshot. */
function lostOf(dir: string, contents: Record<string, string>): string[] {
  const stored = snapshotBlobs(dir)
  expect(stored.problems).toEqual([])
  const onDisk = workTreeBlobs(dir)
  return Object.entries(contents)
    .filter(([, text]) => {
      const id = blobId(Buffer.from(text))
      return !onDisk.has(id) && !stored.ids.has(id)
    })
    .map(([file]) => file)
}

function ok(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = cpo(dir, args, env)
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r
}

/** a.txt and gone.txt as a snapshot has them, then changed and committed on top. */
function restorable(): { dir: string; snap: string } {
  const dir = makeRepo({ 'a.txt': 'a v1\n', 'keep.txt': 'keep\n' })
  writeFiles(dir, { 'a.txt': 'a v2 uncommitted\n' })
  const snap = ok(dir, ['snapshot', '--json']).json.data.snapshot.id as string
  writeFiles(dir, { 'a.txt': 'a v3\n', 'gone.txt': 'added after the snapshot\n' })
  sh(dir, 'git', 'add', '-A')
  sh(dir, 'git', 'commit', '-qm', 'v3')
  return { dir, snap }
}

describe('an edit saved while an operation runs is never lost', () => {
  it('snapshot restore: a file it rewrites and a file it removes', async () => {
    const { dir, snap } = restorable()
    const edits = {
      'a.txt': 'a: saved while the restore ran\n',
      'gone.txt': 'gone: saved while the restore ran\n',
    }
    const r = await editWhileRunning(dir, ['snapshot', 'restore', snap], () =>
      writeFiles(dir, edits),
    )
    expect(r.signal).toBeNull()
    expect(lostOf(dir, edits)).toEqual([])
  })

  it('snapshot restore: a file created where the snapshot has one', async () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    writeFiles(dir, { 'later.txt': 'in the snapshot\n' })
    const snap = ok(dir, ['snapshot', '--json']).json.data.snapshot.id as string
    fs.rmSync(path.join(dir, 'later.txt'))
    const edits = { 'later.txt': 'created while the restore ran\n' }
    await editWhileRunning(dir, ['snapshot', 'restore', snap], () => writeFiles(dir, edits))
    expect(lostOf(dir, edits)).toEqual([])
  })

  it('undo: a file the undo puts back', async () => {
    const { dir, snap } = restorable()
    ok(dir, ['snapshot', 'restore', snap])
    const edits = { 'a.txt': 'a: saved while the undo ran\n' }
    const r = await editWhileRunning(dir, ['undo'], () => writeFiles(dir, edits))
    expect(r.code, r.stderr).toBe(0)
    expect(lostOf(dir, edits)).toEqual([])
  })

  it('recover after a crash: a file the recover puts back', async () => {
    const { dir, snap } = restorable()
    ok(dir, ['snapshot', 'restore', snap])
    // Killed after it wrote a.txt and gone.txt back: the recover rewrites and removes them.
    expect(cpo(dir, ['undo'], { CPO_FAULT: 'restore-writes' }).signal).toBe('SIGKILL')
    const edits = {
      'a.txt': 'a: saved while the recover ran\n',
      'gone.txt': 'gone: saved while the recover ran\n',
    }
    const r = await editWhileRunning(dir, ['recover'], () => writeFiles(dir, edits))
    expect(r.code, r.stderr).toBe(0)
    expect(lostOf(dir, edits)).toEqual([])
  })

  it('rollback stage: tracked work of the stage and a stage loop file', async () => {
    const dir = project()
    const edits = {
      'src/recipes.ts': 'export const recipes = ["saved while the rollback ran"]\n',
      'progress.md': '## S2 loop\n- saved while the rollback ran\n',
    }
    const r = await editWhileRunning(
      dir,
      ['rollback', 'stage', 'S2', '--reason', 'edit lands mid-rollback'],
      () => writeFiles(dir, edits),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(lostOf(dir, edits)).toEqual([])
  })

  it('checkpoint create: the edit stays on disk and git still sees it as unstaged', async () => {
    const dir = makeRepo({ 'a.txt': 'a v1\n' })
    writeFiles(dir, { 'a.txt': 'a v2, to be committed\n' })
    const edits = {
      'a.txt': 'a: saved while the checkpoint ran\n',
      'new/idea.md': 'created while the checkpoint ran\n',
    }
    const r = await editWhileRunning(dir, ['checkpoint', 'create', 'mid-edit'], () =>
      writeFiles(dir, edits),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(lostOf(dir, edits)).toEqual([])
    expect(sh(dir, 'git', 'show', 'checkpoint/mid-edit:a.txt')).toBe('a v2, to be committed\n')
    // The index the checkpoint installed must not claim the newer file is what it committed.
    expect(spawnSync('git', ['diff', '--quiet', '--', 'a.txt'], { cwd: dir }).status).toBe(1)
  })

  it('stage start: an edit of the code saved meanwhile stays', async () => {
    const dir = project()
    const edits = { 'src/app.ts': 'export const app = "saved while the stage started"\n' }
    const r = await editWhileRunning(dir, ['stage', 'start', 'S2', '--force'], () =>
      writeFiles(dir, edits),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(lostOf(dir, edits)).toEqual([])
  })
})

/** What the writer touches: tracked files of the project, untracked ones, new dirs, ignored. */
const WRITER_PATHS = [
  { path: 'src/app.ts' },
  { path: 'src/list.ts' },
  { path: 'src/recipes.ts' },
  { path: 'README.md' },
  { path: 'progress.md' },
  { path: 'src/scratch.ts' },
  { path: 'notes.txt' },
  { path: 'drafts/new/idea.md' },
  { path: 'w/a/b/deep.txt' },
  { path: 'debug.log', ignored: true },
]

type Step =
  | { kind: 'snapshot' | 'undo' | 'checkpoint' | 'stage-start' | 'rollback' }
  | { kind: 'restore'; pick: number }
  | { kind: 'crash'; of: 'undo' | 'restore' | 'rollback' | 'checkpoint'; at: string }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constantFrom(
    ...(['snapshot', 'undo', 'checkpoint', 'stage-start', 'rollback'] as const).map((kind) => ({
      kind,
    })),
  ),
  fc.record({ kind: fc.constant('restore' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('crash' as const),
    of: fc.constantFrom(
      'undo' as const,
      'restore' as const,
      'rollback' as const,
      'checkpoint' as const,
    ),
    at: fc.constantFrom(...OPERATION_FAILPOINTS),
  }),
)

function snapshotIds(dir: string): string[] {
  return sh(dir, 'git', 'for-each-ref', '--format=%(refname:lstrip=3)', 'refs/cpo/snapshots')
    .split('\n')
    .filter(Boolean)
}

/** The command line of a step (its n-th in the run, for unique checkpoint names). */
function argsOf(dir: string, s: Step, n: number): string[] {
  const kind = s.kind === 'crash' ? s.of : s.kind
  switch (kind) {
    case 'snapshot':
      return ['snapshot', '-m', `step ${n}`]
    case 'undo':
      return ['undo', '--yes']
    case 'checkpoint':
      return ['checkpoint', 'create', `step-${n}`]
    case 'stage-start':
      return ['stage', 'start', 'S2', '--force']
    case 'rollback':
      return ['rollback', 'stage', 'S2', '--reason', `step ${n}`, '--yes']
    case 'restore': {
      const ids = snapshotIds(dir)
      return ['snapshot', 'restore', ids[('pick' in s ? s.pick : n) % ids.length] as string]
    }
  }
}

const RUNS = Number(process.env.CPO_PROPERTY_RUNS ?? 3)

/** Runs the steps while writer.mjs writes, then checks that every owed write survived. */
async function withWriter(steps: Step[], seed: number): Promise<void> {
  const dir = project()
  const writer = await startWriter(dir, { seed, paths: WRITER_PATHS })
  const windows: RunWindow[] = []
  const run = (args: string[], env: Record<string, string> = {}) => {
    windows.push(timedCpo(dir, args, env).window)
  }
  let entries: Awaited<ReturnType<typeof writer.stop>>
  try {
    for (const [n, s] of steps.entries()) {
      const args = argsOf(dir, s, n)
      if (s.kind !== 'crash') {
        run(args)
        continue
      }
      run(args, { CPO_FAULT: s.at })
      run(['recover'])
    }
  } finally {
    entries = await writer.stop()
  }
  const ignored = new Set(WRITER_PATHS.filter((p) => p.ignored).map((p) => p.path))
  const { owed, lost, problems } = lostWrites(dir, entries, windows, ignored)
  expect(problems).toEqual([])
  expect(owed.length).toBeGreaterThan(0)
  expect(
    describeLost(lost, entries, windows),
    `lost while running:\n${windows.map((w) => `  ${w.label}`).join('\n')}`,
  ).toEqual([])
}

// Runs are not repeatable (the writer races real processes): no shrinking, report the seed.
const settings = { numRuns: RUNS, endOnFailure: true }
const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 })

describe('concurrent writer (property)', () => {
  it(
    'operations that leave the files alone (snapshot, checkpoint, stage start) lose nothing',
    async () => {
      const keeping = fc.constantFrom<Step>(
        { kind: 'snapshot' },
        { kind: 'checkpoint' },
        { kind: 'stage-start' },
      )
      await fc.assert(
        fc.asyncProperty(fc.array(keeping, { minLength: 2, maxLength: 4 }), seed, withWriter),
        { ...settings, numRuns: Math.max(1, Math.ceil(RUNS / 3)) },
      )
    },
    30_000 + RUNS * 10_000,
  )

  it(
    'every owed byte string the writer wrote is on disk or in a snapshot after gc',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 4 }), seed, withWriter),
        settings,
      )
    },
    60_000 + RUNS * 40_000,
  )
})
