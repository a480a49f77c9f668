import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { cpo, fingerprint, sh } from '../helpers/repo.js'
import {
  builtProject,
  everything,
  lsTree,
  read,
  rev,
  state,
  status,
  subject,
  workInProgress,
} from './build.js'

beforeAll(() => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/cli.js'))) {
    throw new Error('build first: node scripts/build.mjs')
  }
})

describe('rollback stage', () => {
  it('current stage: exact tree and state of the target, log kept, work set aside, undo exact', () => {
    const dir = builtProject()
    workInProgress(dir)
    const target = rev(dir, 'checkpoint/stage-2-start^{commit}')
    const logBefore = read(dir, 'cpo-progress.md')
    const before = fingerprint(dir)

    const r = cpo(dir, ['--json', 'rollback', 'stage', '--reason', 'S2 broke the tests'])
    expect(r.code, r.stderr).toBe(0)
    const d = r.json.data
    expect(d).toMatchObject({
      scope: 'stage-2',
      mode: 'reset',
      target: { name: 'stage-2-start', tag: 'checkpoint/stage-2-start', inferred: false },
      stagesReset: ['S2'],
      targetVerified: true,
      stateConsistent: true,
    })
    expect(d.discardedCommits.map((c: any) => c.subject)).toEqual([
      'feat: US-001 - Add a recipe',
      'chore(stage-2): start Recipes',
    ])
    expect(d.setAside.uncommitted).toEqual(['notes.txt', 'src/recipes.ts'])
    expect(d.setAside.loopFiles).toEqual(['prd.json', 'progress.md'])
    expect(d.recovery.undo).toBe(`cpo undo ${d.opId}`)
    expect(d.recovery.paths).toContain(`cpo snapshot restore ${d.before.id} --paths`)

    // One commit on top of the target; its tree is the target's plus state file and log.
    expect(rev(dir, 'HEAD^')).toBe(target)
    expect(subject(dir)).toBe('rollback(stage-2): S2 broke the tests')
    const strip = (t: string) =>
      t
        .split('\n')
        .filter((l) => !/\t(master-project\.json|cpo-progress\.md)$/.test(l))
        .join('\n')
    expect(strip(lsTree(dir, 'HEAD'))).toBe(strip(lsTree(dir, target)))
    // The state file comes back byte for byte but for currentStage, which a rollback clears
    // (the target's names S3, finished then); the log differs too.
    expect(sh(dir, 'git', 'diff', '--name-only', target, 'HEAD').trim().split('\n')).toEqual([
      'cpo-progress.md',
      'master-project.json',
    ])
    expect(
      sh(dir, 'git', 'diff', '-U0', target, 'HEAD', '--', 'master-project.json')
        .split('\n')
        .filter((l) => /^[-+] /.test(l)),
    ).toEqual(['-  "currentStage": "S3",', '+  "currentStage": null,'])
    expect(status(dir)).toBe('')
    expect(fs.existsSync(path.join(dir, 'notes.txt'))).toBe(false)
    expect(read(dir, 'debug.log')).toBe('ignored, never touched\n')

    // The target's state had S2 pending, S1 and S3 tested: exactly what comes back.
    expect(read(dir, 'master-project.json')).toBe(
      sh(dir, 'git', 'show', `${target}:master-project.json`).replace(
        '"currentStage": "S3"',
        '"currentStage": null',
      ),
    )
    expect(state(dir).stages.map((s: any) => s.status)).toEqual(['tested', 'pending', 'tested'])

    // The log keeps every entry written before (the target's copy had fewer) plus ROLLBACK.
    const log = read(dir, 'cpo-progress.md')
    expect(log.startsWith(logBefore)).toBe(true)
    expect(log.slice(logBefore.length)).toMatch(
      new RegExp(
        `^\\n?### \\d{4}-\\d\\d-\\d\\d - ROLLBACK stage-2\\n\\n- Time: .+\\n- Type: stage\\n- Target: checkpoint/stage-2-start at ${target}\\n- Reason: S2 broke the tests\\n- Mode: reset\\n- Commit before: ${before.head}\\n- Commit after: ${target}\\n- Stages reset: S2\\n- Undo: \`cpo undo ${d.opId}\`\\n- Checklist before:\\n(  - [✓✗–] .+\\n){6}- Checklist after:\\n(  - [✓✗–] .+\\n){4}$`,
      ),
    )
    expect(r.stdout).not.toContain('safety checklist') // --json: one document

    const undo = cpo(dir, ['--json', 'undo'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
  })

  it('human output: plan, set-aside work, how to get it back, safety checklist', () => {
    const dir = builtProject()
    workInProgress(dir)
    const r = cpo(dir, ['rollback', 'stage', 'S2', '--reason', 'wrong approach'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('rolled back stage-2 to checkpoint/stage-2-start')
    expect(r.stdout).toContain('  notes.txt')
    expect(r.stdout).toMatch(
      /get set-aside work back: cpo undo \S+ \(everything\), or cpo snapshot restore \S+ --paths /,
    )
    expect(r.stdout).toContain('✓ reason recorded: wrong approach')
    expect(r.stdout).toContain('✓ target verified')
    expect(r.stdout).toMatch(/✓ snapshot taken: snapshot \S+ \(`cpo undo` returns to it\)/)
    expect(r.stdout).toMatch(/✓ uncommitted changes listed: \d+: .*notes\.txt/)
    expect(r.stdout).toContain('✓ state consistent with git')
    expect(r.stdout).toContain('– tests run: not asked')
  })

  it('--dry-run prints the plan and changes nothing (files, index, refs, journal)', () => {
    const dir = builtProject()
    workInProgress(dir)
    const before = { fp: fingerprint(dir), all: everything(dir) }
    const r = cpo(dir, ['--json', 'rollback', 'stage', 'S2', '--dry-run', '--reason', 'x'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.dryRun).toBe(true)
    expect(r.json.data.plan).toMatchObject({
      scope: 'stage-2',
      mode: 'reset',
      stagesReset: ['S2'],
      stateChanges: { stages: [{ id: 'S2', from: 'in_progress', to: 'pending' }] },
      dependencies: { differ: false },
      migrations: { differ: false },
    })
    expect({ fp: fingerprint(dir), all: everything(dir) }).toEqual(before)
    const human = cpo(dir, ['rollback', 'stage', 'S2', '--dry-run', '--reason', 'x'])
    expect(human.stdout).toContain('nothing changed (--dry-run)')
    expect({ fp: fingerprint(dir), all: everything(dir) }).toEqual(before)
  })

  it('ancestry decides, not id order: rolling back S3 resets S2 (started after it), not S1', () => {
    const dir = builtProject()
    const r = cpo(dir, ['--json', 'rollback', 'stage', '3', '--reason', 'redo the list'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.stagesReset).toEqual(['S2', 'S3'])
    expect(state(dir).stages.map((s: any) => [s.id, s.status, s.startedAt])).toEqual([
      ['S1', 'tested', expect.any(String)],
      ['S2', 'pending', null],
      ['S3', 'pending', null],
    ])
    expect(state(dir).epics.map((e: any) => e.status)).toEqual(['completed', 'pending'])
    expect(state(dir).progress).toMatchObject({ completedStages: 1, completedEpics: 1 })
    expect(rev(dir, 'HEAD^')).toBe(rev(dir, 'checkpoint/stage-3-start^{commit}'))
  })
})
