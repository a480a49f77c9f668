import { describe, expect, it } from 'vitest'
import { projectJson } from '../checkpoint/project.js'
import { commitAll, cpo, fingerprint, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'
import {
  builtProject,
  everything,
  lsTree,
  rev,
  state,
  status,
  subject,
  workInProgress,
} from './build.js'

/** A project whose history has no tags at all: stage boundaries only in commit messages. */
function untaggedProject(): string {
  const json = JSON.parse(projectJson())
  const dir = makeRepo({ 'master-project.json': projectJson(), 'README.md': '# pantry\n' })
  writeFiles(dir, { 'src/app.ts': 'app\n' })
  json.stages[0].status = 'tested'
  writeFiles(dir, { 'master-project.json': `${JSON.stringify(json, null, 2)}\n` })
  commitAll(dir, 'feat(stage-1): Project setup')
  json.stages[1].status = 'in_progress'
  json.currentStage = 'S2'
  writeFiles(dir, {
    'src/recipes.ts': 'recipes\n',
    'master-project.json': `${JSON.stringify(json, null, 2)}\n`,
  })
  commitAll(dir, 'feat(S2-US-001): Add a recipe')
  return dir
}

describe('rollback targets', () => {
  it('an inferred start needs --yes; then goes to the parent of the stage’s first commit', () => {
    const dir = untaggedProject()
    const before = { fp: fingerprint(dir), all: everything(dir) }
    const refused = cpo(dir, ['--json', 'rollback', 'stage', '--reason', 'bad'])
    expect(refused.code).toBe(2)
    expect(refused.json.error).toMatchObject({ code: 'CONFIRMATION_REQUIRED' })
    expect(refused.json.error?.hint).toMatch(/--yes/)
    expect({ fp: fingerprint(dir), all: everything(dir) }).toEqual(before)

    const r = cpo(dir, ['--json', '--yes', 'rollback', 'stage', '--reason', 'bad'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.target).toMatchObject({ name: 'stage-2-start', inferred: true, tag: null })
    expect(rev(dir, 'HEAD^')).toBe(r.json.data.target.commit)
    expect(subject(dir, 'HEAD^')).toBe('feat(stage-1): Project setup')
    expect(state(dir).stages.map((s: any) => s.status)).toEqual(['tested', 'pending', 'pending'])
    expect(state(dir).currentStage).toBeNull()
    expect(status(dir)).toBe('')
  })

  it('discarded commits already pushed: revert by default, history kept, tree exact', () => {
    const dir = builtProject()
    const remote = tempDir()
    sh(remote, 'git', 'init', '-q', '--bare')
    sh(dir, 'git', 'remote', 'add', 'origin', remote)
    sh(dir, 'git', 'push', '-q', '-u', 'origin', 'main')
    const head = rev(dir, 'HEAD')
    const target = rev(dir, 'checkpoint/stage-2-start^{commit}')
    const r = cpo(dir, ['--json', 'rollback', 'stage', 'S2', '--reason', 'pushed too early'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.mode).toBe('revert')
    expect(r.json.data.modeWhy).toMatch(/already on refs\/remotes\/origin\/main/)
    expect(rev(dir, 'HEAD~2')).toBe(head)
    expect(subject(dir, 'HEAD~1')).toBe(
      'revert: back to checkpoint/stage-2-start (rollback stage-2)',
    )
    expect(lsTree(dir, 'HEAD~1')).toBe(lsTree(dir, target))
    expect(subject(dir)).toBe('rollback(stage-2): pushed too early')
    expect(state(dir).stages.map((s: any) => s.status)).toEqual(['tested', 'pending', 'tested'])
    // --mode reset overrides, and says so.
    const undo = cpo(dir, ['undo'])
    expect(undo.code, undo.stderr).toBe(0)
    const reset = cpo(dir, [
      '--json',
      'rollback',
      'stage',
      'S2',
      '--mode',
      'reset',
      '--reason',
      'r',
    ])
    expect(reset.json.data).toMatchObject({ mode: 'reset', modeWhy: '--mode reset' })
    expect(rev(dir, 'HEAD^')).toBe(target)
  })

  it('phase and project rollbacks', () => {
    const dir = builtProject()
    expect(cpo(dir, ['phase', 'complete', '2']).code).toBe(0) // tags HEAD (after S2's story)
    writeFiles(dir, { 'src/later.ts': 'later\n' })
    commitAll(dir, 'feat(S2-US-002): List recipes')
    const phase = cpo(dir, ['--json', 'rollback', 'phase', '2', '--reason', 'back to the plan'])
    expect(phase.code, phase.stderr).toBe(0)
    expect(phase.json.data.target).toMatchObject({ tag: 'checkpoint/phase-2-complete' })
    expect(rev(dir, 'HEAD^')).toBe(rev(dir, 'checkpoint/phase-2-complete^{commit}'))
    expect(subject(dir)).toBe('rollback(phase-2): back to the plan')

    const project = cpo(dir, ['--json', 'rollback', 'project', '--reason', 'start over'])
    expect(project.code, project.stderr).toBe(0)
    // phase-2-complete exists, so that is where a project rollback goes too.
    expect(project.json.data.target.name).toBe('phase-2-complete')
    sh(dir, 'git', 'tag', '-d', 'checkpoint/phase-2-complete')
    const init = cpo(dir, ['--json', 'rollback', 'project', '--reason', 'really start over'])
    expect(init.code, init.stderr).toBe(0)
    expect(init.json.data.target.name).toBe('project-initialized')
    expect(state(dir).stages.map((s: any) => s.status)).toEqual(['pending', 'pending', 'pending'])
    expect(subject(dir)).toBe('rollback(project): really start over')
  })
})

describe('rollback side effects', () => {
  it('lockfile and migrations differ: install skipped with --no-install, database warning', () => {
    const dir = builtProject()
    writeFiles(dir, {
      'package-lock.json': '{"lockfileVersion": 3}\n',
      'prisma/migrations/001_init/migration.sql': 'CREATE TABLE recipe (id int);\n',
    })
    commitAll(dir, 'feat(S2-US-002): List recipes')
    const dry = cpo(dir, ['--json', 'rollback', 'stage', 'S2', '--dry-run', '--reason', 'x'])
    expect(dry.json.data.plan).toMatchObject({
      // The target has no package.json: nothing to install there.
      dependencies: {
        differ: true,
        lockfiles: ['package-lock.json'],
        packageManager: null,
        install: null,
      },
      migrations: { differ: true, files: ['prisma/migrations/001_init/migration.sql'] },
    })
    expect(dry.json.data.plan.warnings.join('\n')).toMatch(
      /the database is not rolled back; (put it back with `cpo db restore|there is no database checkpoint)/,
    )
    const r = cpo(dir, [
      '--json',
      'rollback',
      'stage',
      'S2',
      '--no-install',
      '--verify',
      '--reason',
      'x',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.after).toEqual({
      install: { ran: false, why: '--no-install' },
      verification: { ran: false, why: 'no verification commands in master-project.json' },
    })
  })
})

describe('rollback --verify', () => {
  it('runs the verification commands after the rollback; a failure exits 6 and the rollback stays', () => {
    const dir = builtProject()
    const marker = `${tempDir()}/verified`
    const doc = state(dir)
    doc.verification = {
      ...doc.verification,
      typecheck: null,
      lint: null,
      build: null,
      test: `test -f '${marker}'`,
    }
    writeFiles(dir, { 'master-project.json': `${JSON.stringify(doc, null, 2)}\n` })
    commitAll(dir, 'chore: a verification command')
    const args = ['--json', 'rollback', 'stage', 'S2', '--verify', '--reason', 'tests broke']
    const failed = cpo(dir, args)
    expect(failed.code, failed.stderr).toBe(6)
    expect(failed.json.ok).toBe(false)
    expect(failed.json.data.after.verification).toEqual({
      ran: true,
      passed: false,
      runs: [{ name: 'test', command: `test -f '${marker}'`, exitCode: 1 }],
    })
    expect(subject(dir)).toBe('rollback(stage-2): tests broke')
    expect(status(dir)).toBe('')

    expect(cpo(dir, ['--json', 'undo', failed.json.data.opId]).code).toBe(0)
    sh(dir, 'touch', marker)
    const passed = cpo(dir, args)
    expect(passed.code, passed.stderr).toBe(0)
    expect(passed.json.data.after.verification).toMatchObject({ ran: true, passed: true })
  })
})

describe('rollback errors and hostile input', () => {
  it('no reason, missing checkpoint, no current stage, bad mode: clear errors, nothing changed', () => {
    const dir = builtProject()
    workInProgress(dir)
    const before = { fp: fingerprint(dir), all: everything(dir) }
    const noReason = cpo(dir, ['--json', 'rollback', 'stage'])
    expect(noReason.code).toBe(2)
    expect(noReason.json.error).toMatchObject({ code: 'REASON_REQUIRED' })
    expect(noReason.json.error?.hint).toMatch(/--reason/)

    sh(dir, 'git', 'tag', '-d', 'checkpoint/stage-3-start')
    // Without its tag, stage 3's start is inferred from its first commit: confirmation needed.
    const inferred = cpo(dir, ['--json', 'rollback', 'stage', '3', '--reason', 'x'])
    expect(inferred.code).toBe(2)
    expect(inferred.json.error?.code).toBe('CONFIRMATION_REQUIRED')
    const badMode = cpo(dir, [
      '--json',
      'rollback',
      'stage',
      'S2',
      '--mode',
      'hard',
      '--reason',
      'x',
    ])
    expect(badMode.code).toBe(2)
    const after = everything(dir)
    expect(fingerprint(dir)).toEqual({ ...before.fp, refs: fingerprint(dir).refs })
    expect(after.journal).toBe(before.all.journal)
  })

  it('a stage with neither tag nor commits: error listing the checkpoints there are', () => {
    const dir = makeRepo({ 'master-project.json': projectJson() })
    sh(dir, 'git', 'tag', 'checkpoint/project-initialized')
    const r = cpo(dir, ['--json', 'rollback', 'stage', 'S1', '--reason', 'x'])
    expect(r.code).toBe(3)
    expect(r.json.error?.code).toBe('CHECKPOINT_NOT_FOUND')
    expect(r.json.error?.message).toMatch(
      /no checkpoint stage-1-start .*available: project-initialized/,
    )
  })

  it('a project with no current stage lists the stages that can be rolled back', () => {
    const dir = makeRepo({ 'master-project.json': projectJson() })
    const r = cpo(dir, ['--json', 'rollback', 'stage', '--reason', 'x'])
    expect(r.code).toBe(3)
    expect(r.json.error).toMatchObject({ code: 'NO_CURRENT_STAGE' })
    expect(r.json.error?.message).toMatch(/can be rolled back: \(none\)/)
  })

  for (const [what, args, code] of [
    ['shell in stage', ['rollback', 'stage', '; rm -rf /', '--reason', 'x'], 3],
    ['newline in stage', ['rollback', 'stage', 'S2\n', '--reason', 'x'], 5],
    ['path in phase', ['rollback', 'phase', '../2', '--reason', 'x'], 5],
    ['newline in reason', ['rollback', 'stage', 'S2', '--reason', 'ok\n### forged entry'], 5],
    ['shell in story', ['rollback', 'story', '; rm -rf /', '--reason', 'x'], 5],
    ['path in story', ['rollback', 'story', '../US-001', '--reason', 'x'], 5],
    ['newline in story', ['rollback', 'story', 'US-001\nx', '--reason', 'x'], 5],
  ] as const) {
    it(`hostile input (${what}) is refused and changes nothing`, () => {
      const dir = builtProject()
      const before = { fp: fingerprint(dir), all: everything(dir) }
      const r = cpo(dir, ['--json', '--yes', ...args])
      expect(r.code).toBe(code)
      expect(r.json.ok).toBe(false)
      expect({ fp: fingerprint(dir), all: everything(dir) }).toEqual(before)
    })
  }
})
