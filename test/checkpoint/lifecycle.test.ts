import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { commitAll, cpo, fingerprint, makeRepo, sh, writeFiles } from '../helpers/repo.js'
import { projectJson, withoutTimes } from './project.js'

const rev = (dir: string, r: string) => sh(dir, 'git', 'rev-parse', r).trim()

// These run the built CLI (dist/): `node scripts/build.mjs` first.
beforeAll(() => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/cli.js'))) {
    throw new Error('build first: node scripts/build.mjs')
  }
})

const VERIFY = { typecheck: 'true', test: 'test ! -f VERIFY_FAIL' }

function project(verification: Record<string, string> = VERIFY): string {
  return makeRepo({
    'master-project.json': projectJson(verification),
    '.env.example':
      'DATABASE_URL=postgres://app:hunter2@db:5432/app\nSTRIPE_SECRET_KEY=sk_live_51Habc\nPORT=3000\n',
    'README.md': '# pantry\n',
  })
}

const state = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8'))
const tags = (dir: string) =>
  sh(dir, 'git', 'tag', '-l', 'checkpoint/*').trim().split('\n').filter(Boolean)
const subject = (dir: string, rev: string) => sh(dir, 'git', 'log', '-1', '--format=%s', rev).trim()
const peeled = (dir: string, tag: string) => sh(dir, 'git', 'rev-parse', `${tag}^{commit}`).trim()
const tagMeta = (dir: string, tag: string) =>
  JSON.parse(sh(dir, 'git', 'for-each-ref', '--format=%(contents:body)', `refs/tags/${tag}`))
const sidecarsOut = (fp: Record<string, string>) =>
  Object.fromEntries(Object.entries(fp).filter(([k]) => !k.startsWith('tree:.checkpoints/')))

describe('stage lifecycle on a real repository', () => {
  it('S1 on its branch, S2 and S3 in parallel, phase tag: tags, commits, sidecars and state', () => {
    const dir = project()
    const init = cpo(dir, ['--json', 'init'])
    expect(init.code).toBe(0)
    expect(init.json.data).toMatchObject({
      excludeAdded: true,
      initialized: { tag: 'checkpoint/project-initialized', created: true },
      verification: VERIFY,
      database: 'PostgreSQL',
      orm: 'Prisma',
      hosting: 'Vercel',
    })
    expect(fs.readFileSync(path.join(dir, '.git/info/exclude'), 'utf8')).toMatch(
      /^\/\.checkpoints\/$/m,
    )
    expect(cpo(dir, ['--json', 'init']).json.data).toMatchObject({
      excludeAdded: false,
      initialized: { created: false },
    })

    sh(dir, 'git', 'checkout', '-q', '-b', 'feature/stage-1-setup')
    writeFiles(dir, { 'notes.txt': 'pending work\n' })
    const start1 = cpo(dir, ['--json', 'stage', 'start'])
    expect(start1.code).toBe(0)
    expect(start1.json.data.stage).toEqual({ id: 'S1', name: 'Project setup', number: '1' })
    expect(subject(dir, 'checkpoint/stage-1-start')).toBe(
      'checkpoint: before Stage 1 - Project setup',
    )
    expect(
      sh(
        dir,
        'git',
        'show',
        '--format=',
        '--name-only',
        'checkpoint/stage-1-start^{commit}',
      ).trim(),
    ).toBe('notes.txt')
    expect(tagMeta(dir, 'checkpoint/stage-1-start')).toMatchObject({
      tool: 'cpo',
      kind: 'stage-start',
      stage: { id: 'S1', name: 'Project setup' },
      phase: 3,
      branch: 'refs/heads/feature/stage-1-setup',
      head: peeled(dir, 'checkpoint/stage-1-start'),
      snapshot: expect.stringMatching(/^refs\/cpo\/snapshots\//),
    })
    const side = path.join(dir, '.checkpoints')
    expect(fs.readdirSync(side).sort()).toEqual([
      'env-backup-stage-1.env',
      'git-ref-stage-1.txt',
      'git-status-stage-1.txt',
      'master-project-before-stage-1.json',
    ])
    expect(fs.readFileSync(path.join(side, 'master-project-before-stage-1.json'), 'utf8')).toBe(
      projectJson(VERIFY),
    )
    expect(fs.readFileSync(path.join(side, 'git-ref-stage-1.txt'), 'utf8')).toBe(
      `${peeled(dir, 'checkpoint/stage-1-start')}\n`,
    )
    expect(fs.readFileSync(path.join(side, 'git-status-stage-1.txt'), 'utf8')).toBe(
      '?? notes.txt\n',
    )
    const env = fs.readFileSync(path.join(side, 'env-backup-stage-1.env'), 'utf8')
    expect(env).not.toContain('hunter2')
    expect(env).not.toContain('sk_live_51Habc')
    expect(env).toContain('PORT=3000')
    // Sidecars are ignored: never part of a commit, not even the next one. The state change is
    // committed on its own, on top of the tagged commit.
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    expect(subject(dir, 'HEAD')).toBe('chore(stage-1): start Project setup')
    expect(rev(dir, 'HEAD^')).toBe(peeled(dir, 'checkpoint/stage-1-start'))
    expect(sh(dir, 'git', 'show', '--format=', '--name-only', 'HEAD').trim()).toBe(
      'master-project.json',
    )
    expect(withoutTimes(state(dir).stages[0])).toMatchObject({
      status: 'in_progress',
      startedAt: '<time>',
    })
    expect(state(dir).currentStage).toBe('S1')
    expect(state(dir).epics[0].status).toBe('in_progress')

    writeFiles(dir, { 'src/app.ts': 'export const app = 1\n' })
    const done1 = cpo(dir, ['--json', 'stage', 'complete', 'S1'])
    expect(done1.code).toBe(0)
    expect(done1.json.data.verification.map((v: any) => [v.name, v.exitCode])).toEqual([
      ['typecheck', 0],
      ['test', 0],
    ])
    expect(subject(dir, 'checkpoint/stage-1-complete')).toBe(
      'checkpoint: after Stage 1 - Project setup',
    )
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    const log = fs.readFileSync(path.join(dir, 'cpo-progress.md'), 'utf8')
    expect(log).toMatch(
      /^# Progress Log\n\n### \d{4}-\d\d-\d\d - Stage S1: Project setup COMPLETE\n/,
    )
    expect(log).toContain('- Verification: typecheck `true`, test `test ! -f VERIFY_FAIL`')
    expect(fs.existsSync(path.join(side, 'master-project-after-stage-1.json'))).toBe(true)

    sh(dir, 'git', 'checkout', '-q', 'main')
    sh(dir, 'git', 'merge', '-q', '--no-ff', '-m', 'merge: Stage S1', 'feature/stage-1-setup')

    // S2 and S3 both depend only on S1: they run side by side.
    expect(cpo(dir, ['stage', 'start', 'S2']).code).toBe(0)
    expect(cpo(dir, ['stage', 'start', '3']).code).toBe(0)
    expect(state(dir).currentStage).toBe('S3')
    expect(state(dir).stages.map((s: any) => s.status)).toEqual([
      'tested',
      'in_progress',
      'in_progress',
    ])
    writeFiles(dir, { 'src/recipes.ts': 'export const recipes = []\n' })
    expect(cpo(dir, ['stage', 'complete', 'S2']).code).toBe(0)
    expect(cpo(dir, ['stage', 'complete', 'S3', '--skip-verify']).code).toBe(0)
    const phase = cpo(dir, ['--json', 'phase', 'complete', '3'])
    expect(phase.code).toBe(0)
    // The next phase is recorded in the fields the file uses, committed with the checkpoint.
    expect(phase.json.data.writes).toEqual({ currentPhase: 4, 'progress.phase': 'validation' })
    expect(phase.json.data.committed).toBe(peeled(dir, 'checkpoint/phase-3-complete'))

    expect(tags(dir)).toEqual([
      'checkpoint/phase-3-complete',
      'checkpoint/project-initialized',
      'checkpoint/stage-1-complete',
      'checkpoint/stage-1-start',
      'checkpoint/stage-2-complete',
      'checkpoint/stage-2-start',
      'checkpoint/stage-3-complete',
      'checkpoint/stage-3-start',
    ])
    expect(peeled(dir, 'checkpoint/phase-3-complete^')).toBe(
      peeled(dir, 'checkpoint/stage-3-complete'),
    )

    const expected = JSON.parse(projectJson(VERIFY))
    for (const s of expected.stages) {
      Object.assign(s, {
        status: 'tested',
        startedAt: '<time>',
        completedAt: '<time>',
        testedAt: '<time>',
      })
    }
    expected.epics[0].status = 'completed'
    expected.epics[1].status = 'completed'
    expected.currentStage = 'S3'
    expected.currentPhase = 4
    Object.assign(expected.progress, { phase: 'validation', completedEpics: 2, completedStages: 3 })
    expect(withoutTimes(state(dir))).toEqual(withoutTimes(expected))
    // Key order and layout are the file's own: only values changed.
    expect(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8')).toBe(
      `${JSON.stringify(state(dir), null, 2)}\n`,
    )

    const list = cpo(dir, ['--json', 'checkpoint', 'list'])
    expect(list.code).toBe(0)
    const tagged = list.json.data.checkpoints.filter((c: any) => !c.inferred)
    expect(tagged.map((c: any) => [c.name, c.kind, c.stage?.id ?? null, c.branch])).toEqual([
      ['project-initialized', 'project-initialized', null, null],
      ['stage-1-start', 'stage-start', 'S1', 'refs/heads/feature/stage-1-setup'],
      ['stage-1-complete', 'stage-complete', 'S1', 'refs/heads/feature/stage-1-setup'],
      ['stage-2-start', 'stage-start', 'S2', 'refs/heads/main'],
      ['stage-3-start', 'stage-start', 'S3', 'refs/heads/main'],
      ['stage-2-complete', 'stage-complete', 'S2', 'refs/heads/main'],
      ['stage-3-complete', 'stage-complete', 'S3', 'refs/heads/main'],
      ['phase-3-complete', 'phase-complete', null, 'refs/heads/main'],
    ])
    // Every commit-message boundary (the merge, the before/after commits) has a tag: no repeats.
    expect(
      list.json.data.checkpoints.filter((c: any) => c.inferred).map((c: any) => c.name),
    ).toEqual([])
  })

  it('refuses a stage whose dependencies are not done, changing nothing; --ignore-deps overrides', () => {
    const dir = project()
    const before = fingerprint(dir)
    const r = cpo(dir, ['--json', 'stage', 'start', 'S2'])
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('DEPENDENCIES_NOT_DONE')
    expect(r.json.error?.message).toBe('stage S2 depends on S1, not done yet')
    expect(fingerprint(dir)).toEqual(before)
    // --force is for starting a stage again, not for dependencies.
    expect(cpo(dir, ['--json', 'stage', 'start', 'S2', '--force']).json.error?.code).toBe(
      'DEPENDENCIES_NOT_DONE',
    )
    expect(fingerprint(dir)).toEqual(before)
    const forced = cpo(dir, ['--json', 'stage', 'start', 'S2', '--ignore-deps'])
    expect(forced.code).toBe(0)
    expect(forced.json.data.unmetDependencies).toEqual(['S1'])
    expect(tags(dir)).toEqual(['checkpoint/stage-2-start'])
  })

  it('a failing verification command leaves no tag, no commit and no state change', () => {
    const dir = project()
    expect(cpo(dir, ['stage', 'start', 'S1']).code).toBe(0)
    writeFiles(dir, { VERIFY_FAIL: 'x\n', 'src/half-done.ts': 'export {}\n' })
    const before = fingerprint(dir)
    const tagsBefore = tags(dir)
    const r = cpo(dir, ['stage', 'complete', 'S1'])
    expect(r.code).toBe(6)
    expect(r.stderr).toContain(
      'cpo: verification "test" failed: `test ! -f VERIFY_FAIL` exited with 1',
    )
    expect(fingerprint(dir)).toEqual(before)
    expect(tags(dir)).toEqual(tagsBefore)
    expect(fs.existsSync(path.join(dir, 'cpo-progress.md'))).toBe(false)
    expect(state(dir).stages[0].status).toBe('in_progress')
  })

  it('streams verification output to stderr, keeping stdout one JSON document', () => {
    const dir = project({ test: 'echo running-the-tests' })
    expect(cpo(dir, ['stage', 'start', 'S1']).code).toBe(0)
    const r = cpo(dir, ['--json', 'stage', 'complete', 'S1'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('running-the-tests')
    expect(r.json.ok).toBe(true)
  })

  it('refuses hostile checkpoint names and creates nothing', () => {
    const dir = project()
    const before = fingerprint(dir)
    for (const name of ['; rm -rf /', '../x', 'a\nb', '-x', 'x y', 'a..b', '$(touch pwned)']) {
      const r = cpo(dir, ['--json', 'checkpoint', 'create', '--', name])
      expect(r.code, name).toBe(5)
      expect(r.json.error?.code, name).toBe('INVALID_CHECKPOINT_NAME')
    }
    expect(fingerprint(dir)).toEqual(before)
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false)
  })

  it('cpo undo after stage start, stage complete and checkpoint delete restores files and tags', () => {
    const dir = project()
    writeFiles(dir, { 'wip.txt': 'uncommitted\n' })
    sh(dir, 'git', 'add', 'wip.txt')
    const s0 = fingerprint(dir)
    expect(cpo(dir, ['stage', 'start', 'S1']).code).toBe(0)
    const s1 = fingerprint(dir)
    expect(cpo(dir, ['stage', 'complete', 'S1']).code).toBe(0)
    expect(cpo(dir, ['--yes', 'checkpoint', 'delete', 'stage-1-start']).code).toBe(0)
    expect(tags(dir)).toEqual(['checkpoint/stage-1-complete'])
    const kept = sh(
      dir,
      'git',
      'for-each-ref',
      '--format=%(refname) %(objecttype)',
      'refs/cpo/deleted-tags',
    )
    expect(kept).toMatch(/^refs\/cpo\/deleted-tags\/[^/]+\/stage-1-start tag\n$/)

    expect(cpo(dir, ['undo']).code).toBe(0) // the delete
    expect(tags(dir)).toEqual(['checkpoint/stage-1-complete', 'checkpoint/stage-1-start'])
    // Two undo steps (each undo is itself undoable, so the older ones are named by id).
    const ops = cpo(dir, ['--json', 'log']).json.data.operations as Array<{
      id: string
      command: string
    }>
    const complete = ops.find((o) => o.command === 'stage complete')?.id as string
    const start = ops.find((o) => o.command === 'stage start')?.id as string
    expect(cpo(dir, ['--yes', 'undo', complete]).code).toBe(0)
    expect(sidecarsOut(fingerprint(dir))).toEqual(sidecarsOut(s1))
    expect(cpo(dir, ['--yes', 'undo', start]).code).toBe(0)
    // Byte-identical files, index, HEAD, branches and tags; sidecars are ignored files, which
    // no restore touches, so they stay as a record.
    expect(sidecarsOut(fingerprint(dir))).toEqual(sidecarsOut(s0))
    expect(tags(dir)).toEqual([])
  })

  it('checkpoint create commits pending work only when there is some; show and diff', () => {
    const dir = project()
    const head = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    const clean = cpo(dir, ['--json', 'checkpoint', 'create', 'baseline'])
    expect(clean.json.data).toMatchObject({
      committed: null,
      commit: head,
      tag: 'checkpoint/baseline',
    })
    writeFiles(dir, { 'src/a.ts': 'a\nb\n' })
    const dirty = cpo(dir, [
      '--json',
      'checkpoint',
      'create',
      'release/1.2',
      '-m',
      'before the refactor',
    ])
    expect(dirty.code).toBe(0)
    expect(subject(dir, 'checkpoint/release/1.2')).toBe(
      'checkpoint: release/1.2 - before the refactor',
    )
    expect(cpo(dir, ['--json', 'checkpoint', 'create', 'baseline']).json.error?.code).toBe(
      'CHECKPOINT_EXISTS',
    )

    const diff = cpo(dir, ['--json', 'checkpoint', 'diff', 'baseline', 'release/1.2'])
    expect(diff.json.data.files).toEqual([{ path: 'src/a.ts', status: 'A', added: 2, deleted: 0 }])
    writeFiles(dir, { 'README.md': '# pantry\nmore\n' })
    const toTree = cpo(dir, ['--json', 'checkpoint', 'diff', 'release/1.2'])
    expect(toTree.json.data.to).toBeNull()
    expect(toTree.json.data.files).toEqual([
      { path: 'README.md', status: 'M', added: 1, deleted: 0 },
    ])

    const show = cpo(dir, ['--json', 'checkpoint', 'show', 'checkpoint/release/1.2'])
    expect(show.json.data.checkpoint).toMatchObject({
      name: 'release/1.2',
      kind: 'user',
      message: 'before the refactor',
      branch: 'refs/heads/main',
      phase: 3,
    })
    expect(cpo(dir, ['--json', 'checkpoint', 'show', 'nope']).code).toBe(3)
  })
})

describe('checkpoints inferred from commit messages (no tags)', () => {
  it('reads every commit-message style and lists them as inferred, in history order', () => {
    const dir = project()
    commitAll(dir, 'checkpoint: before Stage 1 - Project setup')
    writeFiles(dir, { a: '1' })
    commitAll(dir, 'feat(S1-US-001): Scaffold the app')
    sh(dir, 'git', 'checkout', '-q', '-b', 'feature/stage-2-recipes')
    writeFiles(dir, { b: '1' })
    commitAll(dir, 'feat: US-001 - Add a recipe')
    writeFiles(dir, { c: '1' })
    commitAll(dir, 'fix(stage-2): recipe validation')
    sh(dir, 'git', 'checkout', '-q', 'main')
    sh(dir, 'git', 'merge', '-q', '--no-ff', '-m', 'merge: Stage S2', 'feature/stage-2-recipes')
    writeFiles(dir, { d: '1' })
    commitAll(dir, 'feat(stage-3): shopping list')

    const r = cpo(dir, ['--json', 'checkpoint', 'list'])
    expect(r.code).toBe(0)
    const rows = r.json.data.checkpoints.map((c: any) => [
      c.name,
      c.kind,
      c.stage?.id ?? null,
      c.inferred,
      c.message,
    ])
    const w2 = sh(dir, 'git', 'rev-parse', '--short=7', ':/fix.stage-2').trim()
    const w3 = sh(dir, 'git', 'rev-parse', '--short=7', ':/feat.stage-3').trim()
    expect(rows).toEqual([
      ['stage-1-start', 'stage-start', 'S1', true, 'checkpoint: before Stage 1 - Project setup'],
      ['S1-US-001', 'story', 'S1', true, 'feat(S1-US-001): Scaffold the app'],
      [
        'stage-2-start',
        'stage-start',
        'S2',
        true,
        'before the first stage 2 commit: feat: US-001 - Add a recipe',
      ],
      ['S2-US-001', 'story', 'S2', true, 'feat: US-001 - Add a recipe'],
      [`stage-2-work-${w2}`, 'stage-work', 'S2', true, 'fix(stage-2): recipe validation'],
      ['stage-2-complete', 'stage-complete', 'S2', true, 'merge: Stage S2'],
      [
        'stage-3-start',
        'stage-start',
        'S3',
        true,
        'before the first stage 3 commit: feat(stage-3): shopping list',
      ],
      [`stage-3-work-${w3}`, 'stage-work', 'S3', true, 'feat(stage-3): shopping list'],
    ])
    const story = r.json.data.checkpoints.find((c: any) => c.name === 'S2-US-001')
    expect(story.branch).toBe('refs/heads/feature/stage-2-recipes')
    const text = cpo(dir, ['checkpoint', 'list'])
    expect(text.stdout).toContain('stage-2-complete (inferred)')
    // An inferred checkpoint can be shown and diffed like a tag.
    const diff = cpo(dir, ['--json', 'checkpoint', 'diff', 'stage-2-start', 'stage-2-complete'])
    expect(diff.json.data.files.map((f: any) => f.path)).toEqual(['b', 'c'])
  })
})
