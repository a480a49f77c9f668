import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { applying, background, inSnapshot, journal, until } from '../helpers/background.js'
import { commitAll, cpo, makeRepo, sh, writeFiles } from '../helpers/repo.js'
import { builtProject } from '../rollback/build.js'

const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f), 'utf8')
const exists = (dir: string, f: string) => fs.existsSync(path.join(dir, f))

/** Held right before the first file changes (after refs and HEAD). */
const HOLD = { CPO_PAUSE: 'restore-head:3000' }

/**
 * A snapshot of a.txt v1 and old.txt, then a commit that edits a.txt, deletes old.txt and adds
 * added.txt: restoring the snapshot overwrites a.txt, removes added.txt and writes old.txt.
 */
function scenario(): { dir: string; snap: string } {
  const dir = makeRepo({ 'a.txt': 'a v1\n', 'old.txt': 'old\n', 'keep.txt': 'keep\n' })
  const snap = cpo(dir, ['snapshot', '-m', 'v1', '--json']).json.data.snapshot.id
  writeFiles(dir, { 'a.txt': 'a v2\n', 'added.txt': 'added\n' })
  fs.rmSync(path.join(dir, 'old.txt'))
  commitAll(dir, 'v2')
  return { dir, snap }
}

/** What the user saves while the restore is held: an edit, an edit to a doomed file, a new file. */
function typeDuring(dir: string): void {
  writeFiles(dir, {
    'a.txt': 'a typed during the restore\n',
    'added.txt': 'added, edited during the restore\n',
    'old.txt': 'a new file where the restore writes\n',
  })
}

function expectKept(dir: string, data: any): string {
  expect(data.changedDuring).toHaveLength(1)
  const { snapshot, paths } = data.changedDuring[0]
  expect(paths).toEqual(['a.txt', 'added.txt', 'old.txt'])
  sh(dir, 'git', 'gc', '-q', '--prune=now')
  expect(inSnapshot(dir, snapshot, 'a.txt')).toBe('a typed during the restore\n')
  expect(inSnapshot(dir, snapshot, 'added.txt')).toBe('added, edited during the restore\n')
  expect(inSnapshot(dir, snapshot, 'old.txt')).toBe('a new file where the restore writes\n')
  const done = journal(dir).findLast((e) => e.type === 'done')
  expect(done?.changedDuring).toEqual([{ snapshot, paths }])
  return snapshot
}

describe('compare before destroy', () => {
  it('snapshot restore: files saved while it runs are captured before they are overwritten or removed', async () => {
    const { dir, snap } = scenario()
    const run = background(dir, ['snapshot', 'restore', snap, '--json'], HOLD)
    await until(() => applying(dir))
    typeDuring(dir)
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    // The restore is still exact…
    expect(read(dir, 'a.txt')).toBe('a v1\n')
    expect(read(dir, 'old.txt')).toBe('old\n')
    expect(exists(dir, 'added.txt')).toBe(false)
    // …and what was typed meanwhile is in the snapshot the report and the journal name.
    expectKept(dir, r.json.data)
  })

  it('undo: the same, and the text output says where the files went', async () => {
    const { dir, snap } = scenario()
    expect(cpo(dir, ['snapshot', 'restore', snap]).code).toBe(0)
    // Undoing the restore overwrites a.txt with v2, writes added.txt back, removes old.txt…
    const run = background(dir, ['undo'], HOLD)
    await until(() => applying(dir))
    writeFiles(dir, {
      'a.txt': 'a typed during the restore\n',
      'added.txt': 'added, edited during the restore\n',
      'old.txt': 'a new file where the restore writes\n',
    })
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    expect(read(dir, 'a.txt')).toBe('a v2\n')
    expect(read(dir, 'added.txt')).toBe('added\n')
    expect(exists(dir, 'old.txt')).toBe(false)
    const id = /changed while cpo ran, saved in snapshot (\S+) /.exec(r.stdout)?.[1]
    expect(id).toBeDefined()
    expect(expectKept(dir, { changedDuring: journal(dir).at(-1)?.changedDuring })).toBe(id)
  })

  it('rollback stage: an edit saved while it runs is captured, the rollback stays exact', async () => {
    const dir = builtProject()
    const run = background(dir, ['--json', 'rollback', 'stage', '--reason', 'S2 broke'], HOLD)
    await until(() => applying(dir))
    // The rollback removes src/recipes.ts (added in S2) and rewrites prd.json.
    writeFiles(dir, {
      'src/recipes.ts': 'typed during the rollback\n',
      'prd.json': '{"typed": "during the rollback"}\n',
    })
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    expect(exists(dir, 'src/recipes.ts')).toBe(false)
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    const [round] = r.json.data.changedDuring
    expect(round.paths).toEqual(['prd.json', 'src/recipes.ts'])
    sh(dir, 'git', 'gc', '-q', '--prune=now')
    expect(inSnapshot(dir, round.snapshot, 'src/recipes.ts')).toBe('typed during the rollback\n')
    expect(inSnapshot(dir, round.snapshot, 'prd.json')).toBe('{"typed": "during the rollback"}\n')
    expect(journal(dir).at(-1)).toMatchObject({ type: 'done', changedDuring: [round] })
  })

  it('snapshot restore --paths: an edit saved while it runs is captured first', async () => {
    const { dir, snap } = scenario()
    const run = background(dir, ['snapshot', 'restore', snap, '--paths', 'a.txt', '--json'], {
      CPO_PAUSE: 'restore-writes:3000',
    })
    await until(() => applying(dir))
    writeFiles(dir, { 'a.txt': 'a typed during the restore\n' })
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    expect(read(dir, 'a.txt')).toBe('a v1\n')
    const [round] = r.json.data.changedDuring
    expect(round.paths).toEqual(['a.txt'])
    sh(dir, 'git', 'gc', '-q', '--prune=now')
    expect(inSnapshot(dir, round.snapshot, 'a.txt')).toBe('a typed during the restore\n')
  })

  it('an ignored file that appears where the restore writes stops it; nothing is lost', async () => {
    const { dir, snap } = scenario()
    writeFiles(dir, { '.gitignore': 'old.txt\n' })
    const head = commitAll(dir, 'ignore old.txt')
    const run = background(dir, ['snapshot', 'restore', snap, '--json'], HOLD)
    await until(() => applying(dir))
    // Well inside the hold: after the checks made when the restore began.
    await new Promise((r) => setTimeout(r, 1000))
    writeFiles(dir, { 'old.txt': 'ignored, in no snapshot\n' })
    const r = await run
    expect(r.json.error?.code).toBe('UNCAPTURED_FILES_IN_THE_WAY')
    expect(r.json.error?.message).toContain('old.txt')
    expect(read(dir, 'old.txt')).toBe('ignored, in no snapshot\n')
    expect(read(dir, 'a.txt')).toBe('a v2\n')
    expect(sh(dir, 'git', 'rev-parse', 'HEAD').trim()).toBe(head)
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    expect(journal(dir).at(-1)).toMatchObject({ type: 'failed', rolledBack: true })
  })

  it('files that pass through git filters (eol conversion) are not taken for changed', () => {
    const dir = makeRepo({ '.gitattributes': '*.txt text eol=crlf\n', 'a.txt': 'one\ntwo\n' })
    const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    writeFiles(dir, { 'a.txt': 'one\r\nthree\r\n' })
    commitAll(dir, 'edit')
    expect(read(dir, 'a.txt')).toBe('one\r\nthree\r\n')
    const r = cpo(dir, ['snapshot', 'restore', snap, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.changedDuring).toEqual([])
    expect(r.json.data.written).toEqual(['a.txt'])
  })
})
