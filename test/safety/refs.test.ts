import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { background, journal, until } from '../helpers/background.js'
import { commitAll, cpo, fingerprint, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { unremovable } from '../helpers/unremovable.js'

const rev = (dir: string, ref: string): string => sh(dir, 'git', 'rev-parse', ref).trim()
const exists = (dir: string, ref: string): boolean =>
  sh(dir, 'git', 'for-each-ref', '--format=%(refname)', ref).trim() === ref
/** What git gc does once reflogs have expired (90 days by default): keeps only what refs reach. */
const gc = (dir: string): void => {
  sh(dir, 'git', 'reflog', 'expire', '--expire=now', '--expire-unreachable=now', '--all')
  sh(dir, 'git', 'gc', '-q', '--prune=now')
}
/** Throws (git exits 1) when the object is gone. */
const objectExists = (dir: string, oid: string): void => {
  sh(dir, 'git', 'cat-file', '-e', oid)
}

/** An operation that crashed right after journaling `begun`, so `cpo recover` has work to do. */
function crashAnOperation(dir: string): void {
  const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
  const crashed = cpo(dir, ['snapshot', 'restore', snap], { CPO_FAULT: 'journal-begun' })
  expect(crashed.signal).toBe('SIGKILL')
}

describe('refs are never lost', () => {
  it('a failed undo puts back the checkpoint tag it deleted; git gc keeps the tag object', () => {
    const dir = makeRepo({ 'README.md': '# demo\n' })
    writeFiles(dir, { 'app.ts': 'work\n' })
    expect(cpo(dir, ['checkpoint', 'create', 'with-sub']).code).toBe(0)
    const tagObject = rev(dir, 'refs/tags/checkpoint/with-sub')
    const head = rev(dir, 'HEAD')
    // A file made since, which the undo must remove (it is not in the state it returns to) and
    // cannot: the undo fails after it has deleted the tag and moved the branch.
    writeFiles(dir, { 'later.txt': 'made after the checkpoint\n' })
    const release = unremovable(path.join(dir, 'later.txt'))
    const beforeUndo = fingerprint(dir)

    let undo: ReturnType<typeof cpo>
    try {
      undo = cpo(dir, ['undo', '--json'])
    } finally {
      release()
    }
    expect(undo.json.error?.code).toBe('REMOVE_FAILED')
    expect(journal(dir).at(-1)).toMatchObject({ type: 'failed', rolledBack: true })
    expect(rev(dir, 'refs/tags/checkpoint/with-sub')).toBe(tagObject)
    expect(rev(dir, 'HEAD')).toBe(head)
    gc(dir)
    objectExists(dir, tagObject)
    expect(fingerprint(dir)).toEqual(beforeUndo)
  })

  it('every object a snapshot records stays reachable after its ref is deleted and git gc', () => {
    const dir = makeRepo({ 'app.ts': 'v1\n' })
    sh(dir, 'git', 'switch', '-q', '-c', 'side')
    writeFiles(dir, { 'side.ts': 'side work\n' })
    const side = commitAll(dir, 'side work')
    sh(dir, 'git', 'tag', '-a', 'release', '-m', 'annotated')
    sh(dir, 'git', 'switch', '-q', 'main')
    const tagObject = rev(dir, 'refs/tags/release')
    expect(cpo(dir, ['snapshot']).code).toBe(0)
    sh(dir, 'git', 'tag', '-d', 'release')
    sh(dir, 'git', 'branch', '-D', 'side')
    gc(dir)
    objectExists(dir, tagObject)
    objectExists(dir, side)
    expect(sh(dir, 'git', 'show', `${side}:side.ts`)).toBe('side work\n')
  })

  it('recover deletes a branch created after the crash; gc keeps it and undo brings it back', () => {
    const dir = makeRepo({ 'app.ts': 'v1\n' })
    crashAnOperation(dir)
    sh(dir, 'git', 'switch', '-q', '-c', 'feature')
    writeFiles(dir, { 'feature.ts': 'feature work\n' })
    const feature = commitAll(dir, 'feature work')
    sh(dir, 'git', 'switch', '-q', 'main')

    const recovered = cpo(dir, ['recover', '--json'])
    expect(recovered.code, recovered.stderr).toBe(0)
    expect(exists(dir, 'refs/heads/feature')).toBe(false)
    gc(dir)
    objectExists(dir, feature)

    const undo = cpo(dir, ['undo', recovered.json.data.opId, '--json'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(rev(dir, 'refs/heads/feature')).toBe(feature)
    gc(dir)
    expect(sh(dir, 'git', 'show', 'feature:feature.ts')).toBe('feature work\n')
  })

  it('a git commit made while an undo runs is left alone: the undo stops and changes nothing', async () => {
    const dir = makeRepo({ 'app.ts': 'v1\n' })
    writeFiles(dir, { 'app.ts': 'v2\n' })
    expect(cpo(dir, ['checkpoint', 'create', 'two']).code).toBe(0)
    const tagObject = rev(dir, 'refs/tags/checkpoint/two')
    const running = background(dir, ['undo', '--json'], { CPO_PAUSE: 'journal-begun:3000' })
    await until(() => journal(dir).filter((e) => e.type === 'begun').length === 2)

    writeFiles(dir, { 'b.txt': 'made while cpo ran\n' })
    const meanwhile = commitAll(dir, 'meanwhile')
    const afterCommit = fingerprint(dir)
    const undo = await running

    expect(undo.code).toBe(4)
    expect(undo.json.error?.code).toBe('REFS_MOVED')
    expect(undo.json.error?.message).toMatch(/refs\/heads\/main/)
    expect(undo.json.error?.hint).toMatch(/run the command again/)
    expect(journal(dir).at(-1)).toMatchObject({ type: 'failed', rolledBack: true })
    expect(rev(dir, 'refs/heads/main')).toBe(meanwhile)
    expect(rev(dir, 'refs/tags/checkpoint/two')).toBe(tagObject)
    expect(fingerprint(dir)).toEqual(afterCommit)
    gc(dir)
    objectExists(dir, meanwhile)
  })

  it('recover leaves alone a branch checked out in a linked work tree, and says so', () => {
    const dir = makeRepo({ 'app.ts': 'v1\n' })
    const linked = path.join(tempDir(), 'wt')
    sh(dir, 'git', 'worktree', 'add', '-q', '-b', 'feature', linked)
    crashAnOperation(dir)
    writeFiles(linked, { 'linked.ts': 'linked work\n' })
    const work = commitAll(linked, 'linked work')

    const recovered = cpo(dir, ['recover', '--json'])
    expect(recovered.code, recovered.stderr).toBe(0)
    expect(recovered.json.data.refsLeftAlone).toEqual([
      { ref: 'refs/heads/feature', reason: 'checked-out-in-another-worktree', worktree: linked },
    ])
    expect(rev(dir, 'refs/heads/feature')).toBe(work)
    expect(rev(linked, 'HEAD')).toBe(work)
    expect(sh(linked, 'git', 'status', '--porcelain')).toBe('')
  })

  it('undo of a tag-only checkpoint removes the tag and leaves a commit made since on the branch', () => {
    const dir = makeRepo({ 'app.ts': 'v1\n' })
    expect(cpo(dir, ['checkpoint', 'create', 'clean', '--json']).json.data.committed).toBeNull()
    writeFiles(dir, { 'app.ts': 'v2\n' })
    const later = commitAll(dir, 'work after the checkpoint')

    const undo = cpo(dir, ['undo', '--json'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(exists(dir, 'refs/tags/checkpoint/clean')).toBe(false)
    expect(rev(dir, 'refs/heads/main')).toBe(later)
    expect(rev(dir, 'HEAD')).toBe(later)
    expect(sh(dir, 'git', 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main')
  })

  it('undo of an older operation also reverts the refs of the later operations it reports', () => {
    const dir = makeRepo({ 'app.ts': 'v1\n' })
    expect(cpo(dir, ['checkpoint', 'create', 'one']).code).toBe(0)
    expect(cpo(dir, ['checkpoint', 'create', 'two']).code).toBe(0)
    sh(dir, 'git', 'tag', 'users-own')
    const ops = cpo(dir, ['log', '--json']).json.data.operations
    const first = ops.find((o: { args: string[] }) => o.args[0] === 'one').id

    const undo = cpo(dir, ['--yes', 'undo', first, '--json'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(undo.json.data.alsoReverted.map((o: { args: string[] }) => o.args[0])).toEqual(['two'])
    expect(exists(dir, 'refs/tags/checkpoint/one')).toBe(false)
    expect(exists(dir, 'refs/tags/checkpoint/two')).toBe(false)
    // A tag only the user made is not the operations' to remove.
    expect(exists(dir, 'refs/tags/users-own')).toBe(true)
  })
})
