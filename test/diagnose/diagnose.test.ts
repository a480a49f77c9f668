import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, fingerprint, writeFiles } from '../helpers/repo.js'
import { stageTwoStarted, worktrees } from './build.js'

describe('cpo diagnose', () => {
  it('a stage that breaks the build: rollback stage, with the build measured passing at its start', () => {
    const dir = stageTwoStarted()
    writeFiles(dir, { 'src/recipes.js': 'exports.recipes = [\n' })
    commitAll(dir, 'feat(S2-US-001): Add a recipe')
    const before = fingerprint(dir)

    const r = cpo(dir, ['diagnose', '--json'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const d = r.json.data
    const byId = Object.fromEntries(d.checks.map((c: any) => [c.id, c]))
    expect(byId.build.status).toBe('fail')
    expect(byId.build.outputTail).toContain('src/recipes.js')
    expect(byId.test.status).toBe('pass')
    expect(byId.state.status).toBe('pass')
    // No database URL, and a host only named by the plan: nothing to check there.
    expect(byId.database).toMatchObject({ status: 'skip' })
    expect(byId.database.evidence).toContain('no database URL')
    expect(byId.deployment).toMatchObject({ status: 'skip' })
    expect(d.measured).toContainEqual(
      expect.objectContaining({
        check: 'build',
        at: 'checkpoint/stage-2-start',
        status: 'pass',
        exitCode: 0,
      }),
    )
    expect(d.classification.symptom).toBe('build-fails')
    expect(d.next.command).toMatch(/^cpo rollback stage S2 --reason '.*checkpoint\/stage-2-start'$/)
    expect(d.next.why).toContain('passed at checkpoint/stage-2-start')

    // Measured elsewhere: the user's tree, index and refs are as they were; no work tree is left.
    expect(fingerprint(dir)).toEqual(before)
    expect(worktrees(dir)).toEqual({ git: [], registry: [] })
    // The result at the checkpoint is cached per (commit, command), and reused.
    const cache = path.join(dir, '.git/cpo/cache/runs')
    // (the build at stage-2-start and at stage-1-complete)
    expect(fs.readdirSync(cache)).toHaveLength(2)
    expect(d.measured.every((m: any) => m.cached === false)).toBe(true)
    const again = cpo(dir, ['diagnose', '--json']).json.data
    expect(again.measured.map((m: any) => m.cached)).toEqual([true, true])
    expect(again.measured[0]).toMatchObject({ status: 'pass' })
  })

  it('the recommended command works: the rollback it names makes the build pass again', () => {
    const dir = stageTwoStarted()
    writeFiles(dir, { 'src/recipes.js': 'exports.recipes = [\n' })
    commitAll(dir, 'feat(S2-US-001): Add a recipe')
    const next = cpo(dir, ['diagnose', '--json']).json.data.next.command as string
    const reason = /--reason '(.*)'$/.exec(next)?.[1] as string
    const rolled = cpo(dir, ['rollback', 'stage', 'S2', '--reason', reason, '--json'])
    expect(rolled.code, rolled.stderr).toBe(0)
    const after = cpo(dir, ['diagnose', '--json']).json.data
    expect(after.checks.find((c: any) => c.id === 'build').status).toBe('pass')
  })

  it("a stage that breaks an earlier stage's test: bisect is next", () => {
    const dir = stageTwoStarted()
    writeFiles(dir, { 'src/add.js': 'exports.add = (a, b) => a + b + 1\n' })
    commitAll(dir, 'feat(S2-US-001): Add a recipe')
    const d = cpo(dir, ['diagnose', '--json']).json.data
    expect(d.classification.symptom).toBe('tests-fail-earlier-stages')
    expect(d.measured).toContainEqual(
      expect.objectContaining({ check: 'test', at: 'checkpoint/stage-1-complete', status: 'pass' }),
    )
    expect(d.next.command).toBe("cpo bisect --command 'node test/run.js'")
  })

  it("a failing test of the stage's own: fix first, rollback stage if it stays broken", () => {
    const dir = stageTwoStarted()
    writeFiles(dir, {
      'src/recipes.js': 'exports.recipes = []\n',
      'test/recipes.test.js':
        "if (require('../src/recipes.js').recipes.length !== 1) throw new Error('no recipe')\n",
    })
    commitAll(dir, 'feat(S2-US-001): Add a recipe')
    const d = cpo(dir, ['diagnose', '--json']).json.data
    expect(d.classification.symptom).toBe('tests-fail-new-stage')
    expect(d.classification.evidence.join('\n')).toContain('test/recipes.test.js')
    expect(d.next.command).toBe('node test/run.js')
    expect(d.classification.afterwards[0].command).toMatch(/^cpo rollback stage S2 /)
  })

  it('--symptom replan recommends rolling back to phase 2; an unknown symptom is a usage error', () => {
    const dir = stageTwoStarted()
    const d = cpo(dir, ['diagnose', '--symptom', 'replan', '--json']).json.data
    expect(d.classification.symptom).toBe('replan')
    expect(d.next.command).toBe("cpo rollback phase 2 --reason 'major replanning'")
    const bad = cpo(dir, ['diagnose', '--symptom', 'gremlins', '--json'])
    expect(bad.code).toBe(2)
    expect(bad.json.error).toMatchObject({ code: 'UNKNOWN_SYMPTOM' })
    expect(bad.json.error?.hint).toContain('replan')
  })

  it('plan drift: files no story of the stage names', () => {
    const dir = stageTwoStarted()
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8'))
    s.stages[1].stories[0].files = ['src/recipes.js']
    fs.writeFileSync(path.join(dir, 'master-project.json'), `${JSON.stringify(s, null, 2)}\n`)
    writeFiles(dir, {
      'src/recipes.js': 'exports.recipes = []\n',
      'src/billing.js': 'exports.bill = 1\n',
    })
    commitAll(dir, 'feat(S2-US-001): Add a recipe')
    const d = cpo(dir, ['diagnose', '--json']).json.data
    const drift = d.checks.find((c: any) => c.id === 'drift')
    expect(drift.status).toBe('fail')
    expect(drift.details.outside).toEqual(['src/billing.js'])
    expect(d.classification.symptom).toBe('scope-drift')
  })

  it('the text output names the diagnosis and the next command (no progress when not a terminal)', () => {
    const dir = stageTwoStarted()
    const r = cpo(dir, ['diagnose'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('diagnosis: everything passes')
    expect(r.stdout).toContain('next: cpo stage complete S2')
    expect(r.stderr).toBe('')
  })
})
