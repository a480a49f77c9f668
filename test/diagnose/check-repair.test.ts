import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, sh, writeFiles } from '../helpers/repo.js'
import { ok, pass, stageTwoStarted, state } from './build.js'

/** S2 completed, then rolled back by hand: `git reset --hard`, the state file put back as it was. */
function resetByHand(): { dir: string; claimed: string } {
  const dir = stageTwoStarted()
  writeFiles(dir, { 'src/recipes.js': 'exports.recipes = []\n' })
  commitAll(dir, 'feat(S2-US-001): Add a recipe')
  pass(dir, 1, 0)
  ok(dir, ['stage', 'complete', 'S2'])
  const claimed = fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8')
  sh(dir, 'git', 'reset', '-q', '--hard', 'checkpoint/stage-2-start')
  fs.writeFileSync(path.join(dir, 'master-project.json'), claimed)
  return { dir, claimed }
}

describe('cpo check and cpo state repair', () => {
  it('after a manual git reset --hard: check exits 4 with the problem, repair makes it agree', () => {
    const { dir, claimed } = resetByHand()
    expect(state(dir).stages[1].status).toBe('tested')

    const r = cpo(dir, ['check', '--json'])
    expect(r.code).toBe(4)
    expect(r.json.data.consistent).toBe(false)
    expect(r.json.data.problems).toEqual([
      expect.objectContaining({ kind: 'done-without-checkpoint', stage: 'S2' }),
    ])
    expect(r.json.data.problems[0].message).toContain('checkpoint/stage-2-complete')
    expect(r.json.data.repair).toMatchObject({
      command: 'cpo state repair',
      stages: [{ id: 'S2', from: 'tested', to: 'pending' }],
    })
    const text = cpo(dir, ['check'])
    expect(text.code).toBe(4)
    expect(text.stdout).toContain('problem: stage S2 is tested')
    expect(text.stdout).toContain('cpo state repair')

    // --dry-run changes nothing.
    const dry = cpo(dir, ['state', 'repair', '--dry-run', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8')).toBe(claimed)

    const fixed = cpo(dir, ['state', 'repair', '--json'])
    expect(fixed.code, fixed.stderr).toBe(0)
    const s = state(dir)
    expect(s.stages[1]).toMatchObject({ status: 'pending', completedAt: null, testedAt: null })
    expect(s.stages[1].stories[0].passes).toBe(false)
    expect(s.stages[0].status).toBe('tested')
    expect(s.progress.completedStages).toBe(1)
    expect(cpo(dir, ['check']).code).toBe(0)

    // Journaled: undo puts the claim back.
    const undo = cpo(dir, ['undo', fixed.json.data.opId, '--json'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8')).toBe(claimed)
  })

  it('a story marked passing whose commit was reverted; an in-progress stage without its start', () => {
    const dir = stageTwoStarted()
    commitAll(dir, 'chore(stage-2): start Recipes')
    writeFiles(dir, { 'src/recipes.js': 'exports.recipes = []\n' })
    const story = commitAll(dir, 'feat(S2-US-001): Add a recipe')
    sh(dir, 'git', 'revert', '--no-edit', story)
    pass(dir, 1, 0)
    const s = state(dir)
    s.stages[2].status = 'in_progress'
    fs.writeFileSync(path.join(dir, 'master-project.json'), `${JSON.stringify(s, null, 2)}\n`)
    const r = cpo(dir, ['check', '--json'])
    expect(r.code).toBe(4)
    expect(r.json.data.problems.map((p: any) => [p.kind, p.stage, p.story ?? null])).toEqual([
      ['story-reverted', 'S2', 'S2-US-001'],
      ['in-progress-without-start', 'S3', null],
    ])
    expect(cpo(dir, ['state', 'repair']).code).toBe(0)
    const after = state(dir)
    expect(after.stages[1].stories[0].passes).toBe(false)
    expect(after.stages[1].status).toBe('in_progress')
    expect(after.stages[2].status).toBe('pending')
    expect(cpo(dir, ['check']).code).toBe(0)
  })

  it('nothing to repair: no operation is journaled', () => {
    const dir = stageTwoStarted()
    const journal = fs.readFileSync(path.join(dir, '.git/cpo/oplog.jsonl'), 'utf8')
    const r = cpo(dir, ['state', 'repair', '--json'])
    expect(r.code).toBe(0)
    expect(r.json.data.repaired).toBe(false)
    expect(fs.readFileSync(path.join(dir, '.git/cpo/oplog.jsonl'), 'utf8')).toBe(journal)
  })
})
