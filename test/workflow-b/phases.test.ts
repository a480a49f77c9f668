import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectPhase } from '../../src/core/project/index.js'
import { cpoTraced } from '../helpers/git-trace.js'
import { commitAll, cpo, fingerprint, makeRepo, sh, writeFiles } from '../helpers/repo.js'
import { everything, rev, state, subject } from '../rollback/build.js'

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/projects')
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'))
const text = (json: unknown) => `${JSON.stringify(json, null, 2)}\n`

/** mid-execution.json as the skill's templates write it: `progress.phase`, no `currentPhase`. */
function skillLayout(): any {
  const json = fixture('mid-execution.json')
  delete json.currentPhase
  return json
}

function repoWith(json: unknown): string {
  return makeRepo({ 'master-project.json': text(json), 'README.md': '# ledgerly\n' })
}

describe('phases as the skill records them', () => {
  it('status and timeline read progress.phase; Phase 3 is current while S3 runs', () => {
    const dir = repoWith(skillLayout())
    const s = cpo(dir, ['--json', 'status'])
    expect(s.code, s.stderr).toBe(0)
    expect(s.json.data.project.phase).toEqual({ number: 3, name: 'Execution' })
    expect(cpo(dir, ['status']).stdout).toContain('phase:   3 Execution')
    const t = cpo(dir, ['--json', 'timeline'])
    expect(t.json.data.phases.map((p: any) => p.state)).toEqual([
      'done',
      'done',
      'current',
      'upcoming',
      'upcoming',
    ])
  })

  it('the order: numeric currentPhase, progress.phase (names any case, 1–5), the stages', () => {
    const base = skillLayout()
    expect(projectPhase({ ...base, currentPhase: 4 })).toEqual({
      number: 4,
      source: 'currentPhase',
    })
    for (const [phase, n] of [
      ['Discovery', 1],
      ['PLANNING', 2],
      ['validation', 4],
      ['delivery', 5],
      [5, 5],
      ['2', 2],
    ] as const) {
      expect(projectPhase({ ...base, progress: { ...base.progress, phase } })?.number).toBe(n)
    }
    const noPhase = { ...base, progress: { ...base.progress, phase: undefined } }
    expect(projectPhase(noPhase)).toEqual({ number: 3, source: 'stages' })
    const done = (status: string, testedAt: string | null) => ({
      ...noPhase,
      stages: noPhase.stages.map((s: any) => ({ ...s, status, testedAt })),
    })
    expect(projectPhase(done('pending', null))?.number).toBe(3)
    expect(projectPhase(done('completed', null))?.number).toBe(4)
    expect(projectPhase(done('tested', '2025-02-01T00:00:00.000Z'))?.number).toBe(5)
  })

  it('phase complete writes back only the fields the file uses; rollback phase finds the phase', () => {
    const plan = skillLayout()
    plan.progress.phase = 'planning'
    for (const s of plan.stages) Object.assign(s, { status: 'pending', startedAt: null })
    plan.currentStage = null
    const dir = repoWith(plan)
    expect(cpo(dir, ['init']).code).toBe(0)
    const { r: done, argvs } = cpoTraced(dir, ['--json', 'phase', 'complete', '2'])
    expect(done.code, done.stderr).toBe(0)
    expect(done.json.data.writes).toEqual({ 'progress.phase': 'execution' })
    // Committed from the scan with the state file written since: no add -A, git commit or
    // second git status.
    const runs = (cmd: string) => argvs.filter((a) => a.includes(cmd)).length
    expect([runs('add'), runs('commit'), runs('status')]).toEqual([0, 0, 1])
    // The change is part of the checkpoint's commit; no currentPhase key appears.
    expect(subject(dir)).toBe('checkpoint: phase 2 complete - Planning')
    expect(rev(dir, 'checkpoint/phase-2-complete^{commit}')).toBe(rev(dir, 'HEAD'))
    const after = state(dir)
    expect(after.progress.phase).toBe('execution')
    expect(Object.hasOwn(after, 'currentPhase')).toBe(false)
    expect({ ...after, progress: { ...after.progress, phase: 'planning' } }).toEqual(plan)
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')

    writeFiles(dir, { 'src/app.ts': 'app\n' })
    commitAll(dir, 'feat(S1-US-001): Scaffold')
    // No argument: the phase before the current one (3, from progress.phase).
    const r = cpo(dir, ['--json', 'rollback', 'phase', '--reason', 'replan'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.target.tag).toBe('checkpoint/phase-2-complete')
    expect(rev(dir, 'HEAD^')).toBe(rev(dir, 'checkpoint/phase-2-complete^{commit}'))
  })

  it('a numeric currentPhase moves on with progress.phase; --dry-run changes nothing', () => {
    const json = skillLayout()
    json.currentPhase = 3
    for (const s of json.stages) s.status = 'tested'
    const dir = repoWith(json)
    const before = { fp: fingerprint(dir), all: everything(dir) }
    const dry = cpo(dir, ['--json', 'phase', 'complete', '3', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json.data.plan.writes).toEqual({ currentPhase: 4, 'progress.phase': 'validation' })
    expect({ fp: fingerprint(dir), all: everything(dir) }).toEqual(before)
    expect(cpo(dir, ['phase', 'complete', '3']).code).toBe(0)
    expect(state(dir)).toMatchObject({ currentPhase: 4, progress: { phase: 'validation' } })
  })

  it('refuses phases outside 1–5, skipping a phase, and Phase 3 with stages open', () => {
    const dir = repoWith(skillLayout())
    const before = { fp: fingerprint(dir), all: everything(dir) }
    for (const bad of ['0', '6', '99', 'x']) {
      const r = cpo(dir, ['--json', 'phase', 'complete', bad])
      expect(r.code).toBe(5)
      expect(r.json.error?.code).toBe('INVALID_PHASE')
    }
    const skip = cpo(dir, ['--json', 'phase', 'complete', '5'])
    expect(skip.json.error?.code).toBe('PHASE_SKIPPED')
    expect(skip.json.error?.message).toContain('the project is in phase 3')
    expect(skip.json.error?.hint).toContain('cpo phase complete 3')
    expect(skip.json.error?.hint).toContain('cpo phase complete 5 --force')
    const open = cpo(dir, ['--json', 'phase', 'complete', '3'])
    expect(open.json.error?.code).toBe('STAGES_OPEN')
    expect(open.json.error?.message).toContain('S3, S4, S5')
    expect(open.json.error?.hint).toContain('cpo phase complete 3 --force')
    expect({ fp: fingerprint(dir), all: everything(dir) }).toEqual(before)

    const forced = cpo(dir, ['--json', 'phase', 'complete', '3', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.json.data).toMatchObject({ forced: true, openStages: ['S3', 'S4', 'S5'] })
    expect(state(dir).progress.phase).toBe('validation')
  })
})
