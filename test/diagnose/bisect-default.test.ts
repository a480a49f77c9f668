import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, sh, writeFiles } from '../helpers/repo.js'
import { stageTwoStarted } from './build.js'

describe('bisect after a failing stage complete', () => {
  it('stage complete records the failing command; bisect without --command names the story', () => {
    const dir = stageTwoStarted()
    writeFiles(dir, { 'src/recipes.js': 'exports.recipes = []\n' })
    commitAll(dir, 'feat(S2-US-001): Add a recipe')
    writeFiles(dir, { 'src/add.js': 'exports.add = (a, b) => a + b + 1 // "round up"\n' })
    const culprit = commitAll(dir, 'feat(S2-US-002): List recipes')

    const failed = cpo(dir, ['--json', 'stage', 'complete', 'S2'])
    expect(failed.code).toBe(6)
    expect(failed.json.error?.code).toBe('VERIFICATION_FAILED')
    const details = (failed.json.error as any).details
    expect(details.failed).toMatchObject({ name: 'test', command: 'node test/run.js', exitCode: 1 })
    // The output was captured (and still streamed to stderr for the person watching).
    expect(details.failed.outputTail).toContain('FAIL test/add.test.js: add(2, 2) is 5')
    expect(failed.stderr).toContain('FAIL test/add.test.js: add(2, 2) is 5')
    expect(sh(dir, 'git', 'tag', '-l', 'checkpoint/stage-2-complete')).toBe('')

    const last = JSON.parse(
      fs.readFileSync(path.join(dir, '.git/cpo/cache/last-failure.json'), 'utf8'),
    )
    expect(last).toMatchObject({
      name: 'test',
      command: 'node test/run.js',
      commit: culprit,
      exitCode: 1,
      from: 'stage complete',
    })
    expect(last.outputTail).toContain('add(2, 2) is 5')

    const r = cpo(dir, ['bisect', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data).toMatchObject({
      command: 'node test/run.js',
      commandFrom: 'last stage complete',
      story: 'S2-US-002',
      commit: { sha: culprit },
      files: ['src/add.js'],
    })
  })
})
