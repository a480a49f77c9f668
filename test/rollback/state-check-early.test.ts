import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { stageTwoStarted, state } from '../diagnose/build.js'
import { cpoTraced } from '../helpers/git-trace.js'
import { type CliResult, commitAll, sh, writeFiles } from '../helpers/repo.js'

interface ChecklistItem {
  id: string
  status: string
  evidence: string
}

/**
 * ARCHITECTURE.md §35: the after-list's state check reads git as soon as HEAD is the rollback
 * commit, beside the restore's file writes, and takes those reads only when the state file on
 * disk is the text they were made for and nothing ran in between.
 */

/** S2 started with one story committed; `verification` replaces the test command. */
function stageTwo(test?: string): string {
  const dir = stageTwoStarted()
  if (test !== undefined) {
    const s = state(dir)
    s.verification = { ...s.verification, test }
    writeFiles(dir, { 'master-project.json': `${JSON.stringify(s, null, 2)}\n` })
    commitAll(dir, 'chore: verification command')
  }
  writeFiles(dir, { 'src/recipes.js': 'exports.recipes = []\n' })
  commitAll(dir, 'feat(S2-US-001): Add a recipe')
  return dir
}

/** The state check's read of which named stage tags HEAD reaches. */
const isStateRead = (argv: string[]) =>
  argv.includes('for-each-ref') && argv.includes('--merged=HEAD')
const stateItem = (json: CliResult['json']) =>
  (json.data?.checklist as ChecklistItem[] | undefined)?.find((c) => c.id === 'state')

describe('the state check of the after-list, read beside the restore', () => {
  it.each([
    ['stage', 'S2'],
    ['story', 'S2-US-001'],
  ])('rollback %s: starts once HEAD moved, before any file is written; read once', (kind, id) => {
    const dir = stageTwo()
    // The restore pauses after setting files aside, before it writes any: the check's reads
    // started before the pause show up in the trace before the restore's checkout.
    const { r, argvs } = cpoTraced(dir, ['--json', 'rollback', kind, id, '--reason', 'retry'], {
      CPO_PAUSE: 'restore-aside:1000',
    })
    expect(r.code, r.stderr).toBe(0)
    const moved = argvs.findIndex(
      (a) => a.includes('update-ref') && a.some((x) => x.startsWith('rollback(')),
    )
    const read = argvs.findIndex(isStateRead)
    const written = argvs.findIndex((a) => a.includes('checkout-index'))
    expect(moved).toBeGreaterThanOrEqual(0)
    expect(written).toBeGreaterThan(moved)
    expect(read).toBeGreaterThan(moved)
    expect(read).toBeLessThan(written)
    expect(argvs.filter(isStateRead)).toHaveLength(1)
    expect(stateItem(r.json)?.status).toBe('ok')
    expect(fs.existsSync(path.join(dir, 'src/recipes.js'))).toBe(false)
  })

  it('a state file checked out with other bytes than written is checked again as it is on disk', () => {
    const dir = stageTwo()
    writeFiles(dir, { '.git/info/attributes': 'master-project.json text eol=crlf\n' })
    const { r, argvs } = cpoTraced(dir, ['--json', 'rollback', 'stage', 'S2', '--reason', 'retry'])
    expect(r.code, r.stderr).toBe(0)
    expect(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8')).toContain('\r\n')
    expect(argvs.filter(isStateRead)).toHaveLength(2)
    expect(stateItem(r.json)?.status).toBe('ok')
  })

  it('a verification that changes refs is seen: the check reads after it', () => {
    // The test command moves S1's completion tag to a commit outside HEAD's history: S1, marked
    // done, loses its evidence after the early reads were made (they saw it on HEAD).
    const dir = stageTwo(
      'git tag -f checkpoint/stage-1-complete "$(git commit-tree -m elsewhere "$(git hash-object -w -t tree /dev/null)")" >/dev/null',
    )
    const { r, argvs } = cpoTraced(dir, [
      '--json',
      'rollback',
      'stage',
      'S2',
      '--reason',
      'retry',
      '--verify',
    ])
    const moved = sh(dir, 'git', 'rev-parse', 'checkpoint/stage-1-complete').trim()
    const onHead = spawnSync('git', ['merge-base', '--is-ancestor', moved, 'HEAD'], { cwd: dir })
    expect(onHead.status).toBe(1)
    expect(argvs.filter(isStateRead)).toHaveLength(2)
    const item = stateItem(r.json)
    expect(item?.status).toBe('failed')
    expect(item?.evidence).toContain(
      `stage S1 is tested but checkpoint/stage-1-complete (${moved.slice(0, 10)}) is not in HEAD's history`,
    )
  })
})
