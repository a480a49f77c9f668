import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, copyOf, cpo, fingerprint, keep, makeRepo, writeFiles } from '../helpers/repo.js'
import { everything, read, rev, state } from '../rollback/build.js'

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/projects')

let template: string | undefined
/**
 * The skill's layout after planning (S1 → S2 → S3, a chain), S1 started and its first story
 * committed with `git add -A` the way agents do, prd.json naming the stories by their bare ids.
 */
function project(): string {
  if (template === undefined) {
    const dir = makeRepo({
      'master-project.json': fs.readFileSync(
        path.join(FIXTURES, 'template-after-planning.json'),
        'utf8',
      ),
      'README.md': '# pantry\n',
    })
    expect(cpo(dir, ['init']).code).toBe(0)
    expect(cpo(dir, ['stage', 'start', 'S1']).code).toBe(0)
    const prd = {
      project: 'Pantry Planner',
      branchName: 'feature/stage-1',
      description: 'Stage S1',
      userStories: [
        { id: 'US-001', title: 'Scaffold the app', passes: false, notes: '', attempts: 0 },
        { id: 'US-002', title: '', passes: false, notes: '' },
      ],
    }
    writeFiles(dir, {
      'src/app.ts': 'export const app = 1\n',
      'prd.json': `${JSON.stringify(prd, null, 2)}\n`,
    })
    commitAll(dir, 'feat(S1-US-001): Scaffold the app')
    template = keep(dir)
  }
  return copyOf(template)
}

const story = (dir: string, stage: number, i: number) => state(dir).stages[stage].stories[i]
const prdStory = (dir: string, i: number) => JSON.parse(read(dir, 'prd.json')).userStories[i]

describe('cpo stage skip', () => {
  it('marks the stage skipped with time and reason; dependents may start; undo', () => {
    const dir = project()
    const head = rev(dir, 'HEAD')
    const before = fingerprint(dir)
    // S3 depends on S2: not startable yet.
    expect(cpo(dir, ['--json', 'stage', 'start', 'S3']).json.error?.code).toBe(
      'DEPENDENCIES_NOT_DONE',
    )
    const r = cpo(dir, ['--json', 'stage', 'skip', 'S2', '--reason', 'covered by S1'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data).toMatchObject({
      stage: { id: 'S2', status: 'pending' },
      dependents: ['S3'],
    })
    const s2 = state(dir).stages[1]
    expect(s2.status).toBe('skipped')
    expect(s2.skipReason).toBe('covered by S1')
    expect(s2.skippedAt).toBe(r.json.data.skippedAt)
    expect(Number.isNaN(Date.parse(s2.skippedAt))).toBe(false)
    // Nothing committed: the change is in the work tree, like the skill's own edit.
    expect(rev(dir, 'HEAD')).toBe(head)
    expect(read(dir, 'cpo-progress.md')).toMatch(
      /### \d{4}-\d\d-\d\d - Stage S2: .* SKIPPED\n\n- Skipped: .*\n- Reason: covered by S1\n/,
    )
    expect(read(dir, 'cpo-progress.md')).toContain(`cpo undo ${r.json.data.opId}`)

    const undo = cpo(dir, ['undo'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
  })

  it('a skipped dependency lets the next stage start', () => {
    const dir = project()
    expect(cpo(dir, ['stage', 'complete', 'S1', '--skip-verify']).code).toBe(0)
    expect(cpo(dir, ['stage', 'skip', 'S2', '--reason', 'not needed']).code).toBe(0)
    const start = cpo(dir, ['--json', 'stage', 'start', 'S3'])
    expect(start.code, start.stderr).toBe(0)
    expect(state(dir).stages.map((s: any) => s.status)).toEqual([
      'tested',
      'skipped',
      'in_progress',
    ])
  })

  it('--dry-run, no reason, done or in-progress stages: nothing changed', () => {
    const dir = project()
    const before = { fp: fingerprint(dir), all: everything(dir) }
    const dry = cpo(dir, ['--json', 'stage', 'skip', 'S2', '--reason', 'x', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json.data.dryRun).toBe(true)
    const none = cpo(dir, ['--json', 'stage', 'skip', 'S2'])
    expect(none.json.error?.code).toBe('REASON_REQUIRED')
    expect(none.json.error?.hint).toContain('cpo stage skip S2 --reason')
    const running = cpo(dir, ['--json', 'stage', 'skip', 'S1', '--reason', 'x'])
    expect(running.json.error?.code).toBe('STAGE_IN_PROGRESS')
    expect(running.json.error?.hint).toContain('--force')
    expect(cpo(dir, ['--json', 'stage', 'skip', 'S9', '--reason', 'x']).json.error?.code).toBe(
      'STAGE_NOT_FOUND',
    )
    expect({ fp: fingerprint(dir), all: everything(dir) }).toEqual(before)
  })
})

describe('cpo story pass|fail', () => {
  it('pass marks both files and sets completedAt; fail clears it and counts an attempt', () => {
    const dir = project()
    const head = rev(dir, 'HEAD')
    const before = fingerprint(dir)
    const p = cpo(dir, ['--json', 'story', 'pass', 'S1-US-001'])
    expect(p.code, p.stderr).toBe(0)
    expect(story(dir, 0, 0)).toMatchObject({ passes: true, completedAt: p.json.data.time })
    expect(prdStory(dir, 0)).toMatchObject({ id: 'US-001', passes: true, attempts: 0 })
    expect(state(dir).progress.completedStories).toBe(1)
    expect(rev(dir, 'HEAD')).toBe(head)
    expect(read(dir, 'cpo-progress.md')).toContain('Story S1-US-001 PASSES')
    const passed = fingerprint(dir)

    const f = cpo(dir, ['--json', 'story', 'fail', 'S1-US-001', '--reason', 'tests fail'])
    expect(f.code, f.stderr).toBe(0)
    expect(story(dir, 0, 0)).toMatchObject({ passes: false, completedAt: null, attempts: 1 })
    expect(prdStory(dir, 0)).toMatchObject({ passes: false, attempts: 1 })
    expect(state(dir).progress.completedStories).toBe(0)
    expect(read(dir, 'cpo-progress.md')).toMatch(
      /Story S1-US-001 FAILS\n\n- Time: .*\n- Stage: S1\n- Attempts: 1\n- Reason: tests fail\n/,
    )
    // Each mark is one journaled operation: undo takes back the fail, exactly.
    expect(cpo(dir, ['undo']).code).toBe(0)
    expect(fingerprint(dir)).toEqual(passed)
    expect(before).not.toEqual(passed)
  })

  it('a bare id finds the story; prd.json without attempts stays without; unknown ids', () => {
    const dir = project()
    const r = cpo(dir, ['--json', 'story', 'fail', 'US-002'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.story).toBe('S1-US-002')
    expect(story(dir, 0, 1)).toMatchObject({ passes: false, attempts: 1, completedAt: null })
    expect(prdStory(dir, 1)).toEqual({ id: 'US-002', title: '', passes: false, notes: '' })

    const before = { fp: fingerprint(dir), all: everything(dir) }
    const dry = cpo(dir, ['--json', 'story', 'pass', 'S1-US-002', '--dry-run'])
    expect(dry.json.data).toMatchObject({ dryRun: true, plan: { prdStory: 'US-002' } })
    const unknown = cpo(dir, ['--json', 'story', 'pass', 'S7-US-009'])
    expect(unknown.code).toBe(3)
    expect(unknown.json.error?.code).toBe('STORY_NOT_FOUND')
    expect(unknown.json.error?.message).toContain('S1-US-001')
    expect(unknown.json.error?.hint).toContain('cpo story pass S1-US-001')
    expect(cpo(dir, ['--json', 'story', 'pass', '$(rm -rf x)']).json.error?.code).toBe(
      'INVALID_STORY_ID',
    )
    expect({ fp: fingerprint(dir), all: everything(dir) }).toEqual(before)
  })
})
