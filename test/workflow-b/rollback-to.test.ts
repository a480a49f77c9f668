import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectJson } from '../checkpoint/project.js'
import { commitAll, cpo, fingerprint, makeRepo, writeFiles } from '../helpers/repo.js'
import {
  builtProject,
  everything,
  lsTree,
  read,
  rev,
  state,
  status,
  subject,
} from '../rollback/build.js'

describe('cpo rollback to <checkpoint>', () => {
  it('goes back to a stage-complete tag: tree, branch, state, log, undo', () => {
    const dir = builtProject()
    const head = rev(dir, 'HEAD')
    const target = rev(dir, 'checkpoint/stage-3-complete^{commit}')
    const before = fingerprint(dir)
    const r = cpo(dir, [
      '--json',
      'rollback',
      'to',
      'stage-3-complete',
      '--reason',
      'S2 went wrong',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data).toMatchObject({
      kind: 'checkpoint',
      scope: 'stage-3-complete',
      mode: 'reset',
      target: { name: 'stage-3-complete', tag: 'checkpoint/stage-3-complete', inferred: false },
    })
    // The code is the target's; one rollback commit on top records state and log.
    expect(rev(dir, 'HEAD^')).toBe(target)
    expect(subject(dir)).toBe('rollback(stage-3-complete): S2 went wrong')
    const code = (tree: string) =>
      tree
        .split('\n')
        .filter((l) => !/\t(master-project\.json|cpo-progress\.md)$/.test(l))
        .join('\n')
    expect(code(lsTree(dir, 'HEAD'))).toBe(code(lsTree(dir, target)))
    expect(fs.existsSync(path.join(dir, 'src/recipes.ts'))).toBe(false)
    // S2 started after the target: its work is gone, so it is pending again; S1 and S3 stay done.
    expect(state(dir).stages.map((s: any) => s.status)).toEqual(['tested', 'pending', 'tested'])
    expect(r.json.data.stagesReset).toEqual(['S2'])
    const log = read(dir, 'cpo-progress.md')
    expect(log).toContain('ROLLBACK stage-3-complete')
    expect(log).toContain('- Type: checkpoint')
    expect(log).toContain('- Reason: S2 went wrong')
    expect(status(dir)).toBe('')

    const undo = cpo(dir, ['undo'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(rev(dir, 'HEAD')).toBe(head)
    expect(fingerprint(dir)).toEqual(before)
  })

  it('accepts checkpoint/<name>; --dry-run prints the plan and changes nothing', () => {
    const dir = builtProject()
    const before = { fp: fingerprint(dir), all: everything(dir) }
    const r = cpo(dir, [
      '--json',
      'rollback',
      'to',
      'checkpoint/stage-1-complete',
      '--dry-run',
      '--reason',
      'check first',
      '--mode',
      'revert',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.dryRun).toBe(true)
    expect(r.json.data.plan).toMatchObject({
      scope: 'stage-1-complete',
      mode: 'revert',
      target: { commit: rev(dir, 'checkpoint/stage-1-complete^{commit}') },
    })
    // S3 and S2 both came after S1's completion.
    expect([...r.json.data.plan.stagesReset].sort()).toEqual(['S2', 'S3'])
    expect({ fp: fingerprint(dir), all: everything(dir) }).toEqual(before)
    const text = cpo(dir, [
      'rollback',
      'to',
      'checkpoint/stage-1-complete',
      '--dry-run',
      '--reason',
      'r',
    ])
    expect(text.stderr + text.stdout).toContain('nothing changed (--dry-run)')
  })

  it("a user's own named checkpoint; a stage start resets that stage too", () => {
    const dir = builtProject()
    const c = cpo(dir, ['checkpoint', 'create', 'before-refactor'])
    expect(c.code, c.stderr).toBe(0)
    const at = rev(dir, 'checkpoint/before-refactor^{commit}')
    writeFiles(dir, { 'src/recipes.ts': 'refactored badly\n' })
    commitAll(dir, 'refactor: recipes')
    const r = cpo(dir, ['--json', 'rollback', 'to', 'before-refactor', '--reason', 'bad refactor'])
    expect(r.code, r.stderr).toBe(0)
    expect(rev(dir, 'HEAD^')).toBe(at)
    expect(read(dir, 'src/recipes.ts')).toBe('export const recipes = ["soup"]\n')
    expect(state(dir).stages[1].status).toBe('in_progress')

    const s = cpo(dir, ['--json', 'rollback', 'to', 'stage-2-start', '--reason', 'redo S2'])
    expect(s.code, s.stderr).toBe(0)
    expect(rev(dir, 'HEAD^')).toBe(rev(dir, 'checkpoint/stage-2-start^{commit}'))
    expect(s.json.data.stagesReset).toContain('S2')
    expect(state(dir).stages[1].status).toBe('pending')
  })

  it('an inferred checkpoint (no tag) needs --yes, then rolls back to it', () => {
    const json = JSON.parse(projectJson())
    const dir = makeRepo({ 'master-project.json': projectJson(), 'README.md': '# pantry\n' })
    json.stages[0].status = 'tested'
    writeFiles(dir, {
      'src/app.ts': 'app\n',
      'master-project.json': `${JSON.stringify(json, null, 2)}\n`,
    })
    commitAll(dir, 'checkpoint: after Stage 1 - Project setup')
    const stage1 = rev(dir, 'HEAD')
    writeFiles(dir, { 'src/recipes.ts': 'recipes\n' })
    commitAll(dir, 'feat(S2-US-001): Add a recipe')
    const before = fingerprint(dir)
    const refused = cpo(dir, ['--json', 'rollback', 'to', 'stage-1-complete', '--reason', 'x'])
    expect(refused.json.error?.code).toBe('CONFIRMATION_REQUIRED')
    expect(fingerprint(dir)).toEqual(before)
    const r = cpo(dir, ['--json', '--yes', 'rollback', 'to', 'stage-1-complete', '--reason', 'x'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.target).toMatchObject({ inferred: true, tag: null, commit: stage1 })
    expect(rev(dir, 'HEAD^')).toBe(stage1)
    expect(fs.existsSync(path.join(dir, 'src/recipes.ts'))).toBe(false)
  })

  it('an unknown name: near names, the command to run, nothing changed', () => {
    const dir = builtProject()
    const before = { fp: fingerprint(dir), all: everything(dir) }
    const r = cpo(dir, ['--json', 'rollback', 'to', 'stage-3-compete', '--reason', 'x'])
    expect(r.code).toBe(3)
    expect(r.json.error?.code).toBe('CHECKPOINT_NOT_FOUND')
    expect(r.json.error?.message).toContain('did you mean stage-3-complete')
    expect(r.json.error?.hint).toContain('cpo rollback to stage-3-complete --reason')
    expect(r.json.error?.hint).toContain('cpo checkpoint list')
    expect({ fp: fingerprint(dir), all: everything(dir) }).toEqual(before)
    // The other rollbacks' "no such checkpoint" leads to `rollback to` as well.
    const phase = cpo(dir, ['--json', 'rollback', 'phase', '2', '--reason', 'x'])
    expect(phase.json.error?.code).toBe('CHECKPOINT_NOT_FOUND')
    expect(phase.json.error?.hint).toMatch(/cpo rollback to \S+ --reason/)
    const bad = cpo(dir, ['--json', 'rollback', 'to', 'a b', '--reason', 'x'])
    expect(bad.json.error?.code).toBe('INVALID_CHECKPOINT_NAME')
  })
})
