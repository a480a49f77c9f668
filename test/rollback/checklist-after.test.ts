import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { stageTwoStarted, state } from '../diagnose/build.js'
import { commitAll, cpo, fingerprint, sh, tempDir, writeFiles } from '../helpers/repo.js'

/** README.md, "Checklists": the after-list is part of the ROLLBACK entry the rollback records. */

const log = (dir: string) => fs.readFileSync(path.join(dir, 'cpo-progress.md'), 'utf8')
const headLog = (dir: string) => sh(dir, 'git', 'show', 'HEAD:cpo-progress.md')
const entryOf = (text: string, scope: string) => text.slice(text.lastIndexOf(`ROLLBACK ${scope}`))

/** S2 started, one story committed, an uncommitted note: what each test rolls back. */
function stageTwoWithStory(verification?: Record<string, string>): string {
  const dir = stageTwoStarted()
  if (verification) {
    const s = state(dir)
    s.verification = { ...s.verification, ...verification }
    writeFiles(dir, { 'master-project.json': `${JSON.stringify(s, null, 2)}\n` })
    commitAll(dir, 'chore: verification commands')
  }
  writeFiles(dir, { 'src/recipes.js': 'exports.recipes = []\n' })
  commitAll(dir, 'feat(S2-US-001): Add a recipe')
  writeFiles(dir, { 'notes.txt': 'uncommitted idea\n' })
  return dir
}

describe('the after-rollback list in the progress log', () => {
  it('is in the ROLLBACK entry of the one rollback commit; undo returns everything', () => {
    const dir = stageTwoWithStory()
    const before = fingerprint(dir)
    const r = cpo(dir, ['rollback', 'stage', 'S2', '--reason', 'wrong approach', '--verify'])
    expect(r.code, r.stderr).toBe(0)
    const entry = entryOf(headLog(dir), 'stage-2')
    expect(entry).toContain('- Checklist before:\n  - ✓ reason recorded: wrong approach\n')
    expect(entry).toContain('- Checklist after:\n  - ✓ state consistent with git: ')
    expect(entry).toContain('  - ✓ tests run: test exit 0, build exit 0\n')
    expect(entry).toContain('  - ✓ dependencies reinstalled: the lockfile did not change\n')
    // One commit on top of the target, holding exactly what is on disk; nothing left uncommitted.
    const target = sh(dir, 'git', 'rev-parse', 'checkpoint/stage-2-start^{commit}').trim()
    expect(sh(dir, 'git', 'log', '--format=%s', `${target}..HEAD`).trim()).toBe(
      'rollback(stage-2): wrong approach',
    )
    expect(log(dir)).toBe(headLog(dir))
    expect(sh(dir, 'git', 'status', '--porcelain').trim()).toBe('')
    expect(r.stdout).toContain('safety checklist after:\n  ✓ state consistent with git')
    expect(cpo(dir, ['undo']).code).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
  })

  it('a failing verification is a ✗ in the entry and in the exit code; the rollback stands', () => {
    const dir = stageTwoWithStory({ test: 'node -e "process.exit(3)"' })
    const r = cpo(dir, ['--json', 'rollback', 'stage', 'S2', '--reason', 'retry', '--verify'])
    expect(r.code).not.toBe(0)
    expect(r.json.error?.code).toBe('VERIFICATION_FAILED')
    expect(entryOf(headLog(dir), 'stage-2')).toContain(
      '  - ✗ tests run: test exit 3, build exit 0\n',
    )
    expect(sh(dir, 'git', 'log', '-1', '--format=%s').trim()).toBe('rollback(stage-2): retry')
    expect(fs.existsSync(path.join(dir, 'src/recipes.js'))).toBe(false)
  })

  it('a log written while the checks ran is left as it is, and undo/redo keep its line', () => {
    const dir = stageTwoWithStory({ test: 'echo "- a line from the test run" >> cpo-progress.md' })
    const before = fingerprint(dir)
    const r = cpo(dir, ['--json', 'rollback', 'stage', 'S2', '--reason', 'retry', '--verify'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.checklistNotLogged).toBe(
      'cpo-progress.md changed while the checks ran; it was left as it is',
    )
    expect(log(dir).endsWith('- a line from the test run\n')).toBe(true)
    const committed = entryOf(headLog(dir), 'stage-2')
    expect(committed).toContain('- Checklist before:')
    expect(committed).not.toContain('- Checklist after:')
    expect(log(dir)).toBe(`${headLog(dir)}- a line from the test run\n`)
    expect(cpo(dir, ['undo']).code).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
    expect(cpo(dir, ['redo']).code).toBe(0)
    expect(log(dir).endsWith('- a line from the test run\n')).toBe(true)
  })

  it('a log checked out with CRLF line endings is still the one written: it gets the list', () => {
    const dir = stageTwoWithStory()
    // In info/attributes: the rollback's target predates any .gitattributes commit.
    writeFiles(dir, { '.git/info/attributes': 'cpo-progress.md text eol=crlf\n' })
    const r = cpo(dir, ['--json', 'rollback', 'stage', 'S2', '--reason', 'retry'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.checklistNotLogged).toBeNull()
    // The restore checked the log out with CRLF: other bytes than written, the same blob.
    expect(log(dir).replaceAll('\r\n', '\n')).toBe(headLog(dir))
    expect(entryOf(headLog(dir), 'stage-2')).toContain('- Checklist after:\n')
    expect(sh(dir, 'git', 'status', '--porcelain').trim()).toBe('')
  })

  it('killed while the checks run: cpo recover returns to the state before, byte for byte', () => {
    const dir = stageTwoWithStory({ test: 'kill -9 $PPID' })
    const before = fingerprint(dir)
    const r = cpo(dir, ['rollback', 'stage', 'S2', '--reason', 'retry', '--verify'])
    expect(r.signal).toBe('SIGKILL')
    const status = cpo(dir, ['--json', 'status'])
    expect(status.json.data.pendingRecovery.map((o: { command: string }) => o.command)).toEqual([
      'rollback stage',
    ])
    const rec = cpo(dir, ['recover'])
    expect(rec.code, rec.stderr).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
  })
})

describe('--backup before a rollback', () => {
  it('writes a full backup first; it restores elsewhere to the state before the rollback', () => {
    const dir = stageTwoWithStory()
    const head = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    const env = { CPO_BACKUP_STORE: tempDir() }
    const r = cpo(dir, ['--json', 'rollback', 'stage', 'S2', '--reason', 'x', '--backup'], env)
    expect(r.code, r.stderr).toBe(0)
    const item = r.json.data.checklist.find((i: { id: string }) => i.id === 'backup')
    expect(item.status).toBe('ok')
    const id = /^backup (\S+) in /.exec(item.evidence)?.[1] as string
    expect(fs.readdirSync(env.CPO_BACKUP_STORE).join('\n')).toContain(id)
    const target = path.join(tempDir(), 'restored')
    const restored = cpo(tempDir(), ['restore', id, target], env)
    expect(restored.code, restored.stderr).toBe(0)
    expect(sh(target, 'git', 'rev-parse', 'HEAD').trim()).toBe(head)
    expect(fs.readFileSync(path.join(target, 'src/recipes.js'), 'utf8')).toBe(
      'exports.recipes = []\n',
    )
    expect(entryOf(headLog(dir), 'stage-2')).toContain(`  - ✓ full backup written: backup ${id}`)
  })

  it('a store that cannot be written stops the rollback before anything changes', () => {
    const dir = stageTwoWithStory()
    const blocker = path.join(tempDir(), 'a-file')
    fs.writeFileSync(blocker, 'not a directory\n')
    const before = fingerprint(dir)
    const journal = cpo(dir, ['--json', 'log']).json.data
    const env = { CPO_BACKUP_STORE: path.join(blocker, 'store') }
    const r = cpo(dir, ['--json', 'rollback', 'stage', 'S2', '--reason', 'x', '--backup'], env)
    expect(r.code).not.toBe(0)
    expect(r.json.error?.code).toBe('BACKUP_FAILED')
    expect(r.json.error?.message).toContain('nothing was rolled back')
    expect(fingerprint(dir)).toEqual(before)
    expect(cpo(dir, ['--json', 'log']).json.data).toEqual(journal)
  })
})

describe('rollback story', () => {
  it('runs the same before and after lists and records both in its ROLLBACK entry', () => {
    const dir = stageTwoWithStory()
    const r = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-001', '--reason', 'bad', '--verify'])
    expect(r.code, r.stderr).toBe(0)
    const items = r.json.data.checklist.map((i: { id: string; when: string; status: string }) => [
      i.id,
      i.when,
      i.status,
    ])
    expect(items).toEqual([
      ['reason', 'before', 'ok'],
      ['target', 'before', 'ok'],
      ['snapshot', 'before', 'ok'],
      ['backup', 'before', 'skipped'],
      ['notify', 'before', 'skipped'],
      ['uncommitted', 'before', 'ok'],
      ['state', 'after', 'ok'],
      ['tests', 'after', 'ok'],
      ['dependencies', 'after', 'ok'],
      ['database', 'after', 'skipped'],
    ])
    const entry = entryOf(headLog(dir), 'story-S2-US-001')
    expect(entry).toContain('- Checklist before:\n  - ✓ reason recorded: bad\n')
    expect(entry).toContain('  - ✓ tests run: test exit 0, build exit 0\n')
    expect(log(dir)).toBe(headLog(dir))
    // The story's file is reverted; the untracked note stays.
    expect(fs.existsSync(path.join(dir, 'src/recipes.js'))).toBe(false)
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('uncommitted idea\n')
    expect(sh(dir, 'git', 'status', '--porcelain').trim()).toBe('?? notes.txt')
  })
})
