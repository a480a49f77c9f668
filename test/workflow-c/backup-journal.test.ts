import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { copyOf, cpo, sh, tempDir } from '../helpers/repo.js'
import { builtProject } from '../rollback/build.js'

const storeEnv = () => ({ CPO_BACKUP_STORE: path.join(tempDir('cpo-store-'), 'store') })

function ok(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = cpo(dir, ['--json', ...args], env)
  expect(r.code, `cpo ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0)
  return r.json.data
}

const logIds = (dir: string) =>
  (ok(dir, ['log']).operations as Array<{ id: string }>).map((o) => o.id)

/** What undo must give back: HEAD, the index, every branch and tag, and the state file. */
const state = (dir: string) => ({
  head: sh(dir, 'git', 'rev-parse', 'HEAD').trim(),
  branch: sh(dir, 'git', 'symbolic-ref', 'HEAD').trim(),
  index: sh(dir, 'git', 'ls-files', '-s'),
  refs: sh(
    dir,
    'git',
    'for-each-ref',
    '--format=%(refname) %(objectname)',
    'refs/heads',
    'refs/tags',
  ),
  project: fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8'),
})

describe('a restored backup keeps the operation journal', () => {
  it('cpo log shows the same operations and cpo undo reverts the last one as in the original', () => {
    const src = builtProject()
    const env = storeEnv()
    const ids = logIds(src)
    expect(ids.length).toBeGreaterThan(3)
    const id = ok(src, ['backup', 'create'], env).id as string

    const target = path.join(tempDir(), 'copy')
    const restored = ok(tempDir(), ['restore', id, target], env)
    expect(restored.journal).toMatchObject({
      path: '.git/cpo/oplog.jsonl',
      operations: ids.length,
      pending: [],
      missingSnapshots: [],
    })
    expect(fs.readFileSync(path.join(target, '.git/cpo/oplog.jsonl'))).toEqual(
      fs.readFileSync(path.join(src, '.git/cpo/oplog.jsonl')),
    )
    expect(logIds(target)).toEqual(ids)

    // Undo the last operation in the original (a copy) and in the restored copy: same result.
    const original = copyOf(src)
    const a = ok(original, ['undo'])
    const b = ok(target, ['undo'])
    expect(b.undone.id).toBe(a.undone.id)
    expect(state(target)).toEqual(state(original))
    // And the undo itself is journaled there, so it can be redone.
    ok(target, ['redo'])
    expect(sh(target, 'git', 'rev-parse', 'HEAD').trim()).toBe(
      sh(src, 'git', 'rev-parse', 'HEAD').trim(),
    )
  })

  it('a snapshot the journal names but the repository no longer has is listed under "not restored"', () => {
    const src = builtProject()
    const env = storeEnv()
    const first = ok(src, ['log']).operations.at(-1) as { id: string; before: string }
    sh(src, 'git', 'update-ref', '-d', `refs/cpo/snapshots/${first.before}`)
    const id = ok(src, ['backup', 'create'], env).id as string
    const r = ok(tempDir(), ['restore', id, path.join(tempDir(), 'copy')], env)
    expect(r.journal.missingSnapshots).toEqual([first.before])
    expect(r.notRestored).toContainEqual({
      what: `snapshots named by the operation journal: ${first.before}`,
      why: expect.stringContaining('undo and recover of the operations that need them cannot run'),
    })
    const text = cpo(tempDir(), ['restore', id, path.join(tempDir(), 'again')], env)
    expect(text.stdout).toContain(`snapshots named by the operation journal: ${first.before}`)
    expect(text.stdout).toContain(`operation journal: ${r.journal.operations} operation(s) back in`)
    expect(text.stdout).toContain('undo the last operation there with: cpo -C')
  })
})
