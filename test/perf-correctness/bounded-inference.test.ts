import { describe, expect, it } from 'vitest'
import { cpoTraced } from '../helpers/git-trace.js'
import { commitAll, copyOf, keep, makeRepo, sh } from '../helpers/repo.js'
import { ok, pendingProject, work } from './workflow-repo.js'

const project = () => pendingProject(5)

/**
 * The workflow up to a second stage: `init`, S1 started (its tag, then its own
 * `chore(stage-1): start` commit), a story, S1 completed (tagged stage-1-complete). Built once
 * and copied per test.
 */
let template: string | undefined
function base(): string {
  if (!template) {
    const dir = makeRepo({ 'master-project.json': project(), 'README.md': '# p\n' })
    ok(dir, ['init'])
    ok(dir, ['stage', 'start', 'S1'])
    work(dir, 'feat(S1-US-001): first story')
    work(dir, 'feat(S1-US-002): second story')
    ok(dir, ['stage', 'complete', 'S1', '--skip-verify'])
    template = keep(dir)
  }
  return copyOf(template)
}

const traced = (dir: string, args: string[], env: Record<string, string> = {}) =>
  cpoTraced(dir, args, env)

const historyWalks = (argvs: string[][]) =>
  argvs.filter((a) => a[1] === 'log' && a.includes('--branches'))

/**
 * `cpo rollback stage <n> --dry-run --json` twice on the same repository: as it runs, and with
 * the whole history read (CPO_INTERNAL_WHOLE_HISTORY). Returns both plans and whether the first
 * read only the history after the target (every `log --branches` bounded by `^<target>`).
 */
function compare(dir: string, stage: string) {
  const args = ['rollback', 'stage', stage, '--reason', 'test', '--dry-run', '--json']
  const bounded = traced(dir, args)
  const whole = traced(dir, args, { CPO_INTERNAL_WHOLE_HISTORY: '1' })
  expect(bounded.r.code, bounded.r.stderr).toBe(0)
  expect(whole.r.code, whole.r.stderr).toBe(0)
  const plan = bounded.r.json.data.plan
  // The forced run really read the whole history: the comparison means something.
  expect(historyWalks(whole.argvs).some((a) => !a.some((x) => x.startsWith('^')))).toBe(true)
  const walks = historyWalks(bounded.argvs)
  return {
    plan,
    wholePlan: whole.r.json.data.plan,
    walks,
    boundedRead: walks.length > 0 && walks.every((a) => a.includes(`^${plan.target.commit}`)),
  }
}

describe('rollback stage reads the history after its target, with the whole history’s plan', () => {
  it("stage start's own commit: the inferred start on it does not force the whole read", () => {
    const dir = base()
    ok(dir, ['stage', 'start', 'S2'])
    work(dir, 'feat(S2-US-001): a story')
    work(dir, 'feat(S2-US-002): another')

    const c = compare(dir, 'S2')
    expect(c.plan).toEqual(c.wholePlan)
    expect(c.plan.stagesReset).toEqual(['S2'])
    expect(c.plan.target.tag).toBe('checkpoint/stage-2-start')
    expect(c.plan.discardedCommits.map((d: { subject: string }) => d.subject)).toEqual([
      'feat(S2-US-002): another',
      'feat(S2-US-001): a story',
      'chore(stage-2): start Stage 2',
    ])
    expect(c.boundedRead).toBe(true)
  })

  it('tags and inferred checkpoints mixed: a stage known only from commit messages still counts', () => {
    const dir = base()
    work(dir, 'feat(S4-US-001): before the target, not discarded')
    ok(dir, ['stage', 'start', 'S2'])
    work(dir, 'feat(S2-US-001): a story')
    commitAll(dir, 'checkpoint: before stage 3 - Stage 3')
    work(dir, 'feat(stage-3): work of stage 3')
    commitAll(dir, 'checkpoint: after stage 3')
    ok(dir, ['checkpoint', 'create', 'mine'])

    const c = compare(dir, 'S2')
    expect(c.plan).toEqual(c.wholePlan)
    expect(c.plan.stagesReset).toEqual(['S2', 'S3'])
    expect(c.boundedRead).toBe(true)
  })

  it('a stage started twice: the retried stories keep their names after the target', () => {
    const dir = base()
    ok(dir, ['stage', 'start', 'S2'])
    work(dir, 'feat(S2-US-001): first attempt')
    work(dir, 'feat(stage-5): side work in the first attempt')
    ok(dir, ['rollback', 'stage', 'S2', '--reason', 'retry', '--mode', 'revert'])
    ok(dir, ['stage', 'start', 'S2'])
    work(dir, 'feat(S2-US-001): second attempt')

    const c = compare(dir, 'S2')
    expect(c.plan).toEqual(c.wholePlan)
    // Stage 5's work is before the second start: it is not discarded again.
    expect(c.plan.stagesReset).toEqual(['S2'])
    expect(c.boundedRead).toBe(true)
  })

  it('commits after the target that name an earlier, completed stage reset it too', () => {
    const dir = base()
    ok(dir, ['stage', 'start', 'S2'])
    work(dir, 'feat(S2-US-001): a story')
    // S1 is done and tagged stage-1-complete: its last commit now infers a stage-1-complete.
    work(dir, 'fix(stage-1): a late fix')
    work(dir, 'fix(S1-US-002): and a story fix')

    const c = compare(dir, 'S2')
    expect(c.plan).toEqual(c.wholePlan)
    expect(c.plan.stagesReset).toEqual(['S1', 'S2'])
    expect(c.boundedRead).toBe(true)
  })

  it('a lightweight tag reads like an annotated one', () => {
    const dir = base()
    ok(dir, ['stage', 'start', 'S2'])
    work(dir, 'feat(S2-US-001): a story')
    work(dir, 'feat(stage-4): work of stage 4')
    const annotated = compare(dir, 'S2')
    expect(annotated.plan).toEqual(annotated.wholePlan)
    expect(annotated.boundedRead).toBe(true)

    const at = sh(dir, 'git', 'rev-parse', 'checkpoint/stage-2-start^{commit}').trim()
    sh(dir, 'git', 'tag', '-f', 'checkpoint/stage-2-start', at)
    expect(sh(dir, 'git', 'cat-file', '-t', 'checkpoint/stage-2-start').trim()).toBe('commit')
    const light = compare(dir, 'S2')
    expect(light.plan).toEqual(light.wholePlan)
    expect(light.plan.stagesReset).toEqual(['S2', 'S4'])
    expect(light.plan.target.commit).toBe(at)
    expect(light.boundedRead).toBe(true)
  })

  it('a history with merges: a stage branch merged back, a side branch from before the target', () => {
    const dir = base()
    sh(dir, 'git', 'branch', 'feature/stage-4-side')
    ok(dir, ['stage', 'start', 'S2'])
    sh(dir, 'git', 'checkout', '-q', '-b', 'feature/stage-2-recipes')
    work(dir, 'feat(S2-US-001): on the stage branch')
    work(dir, 'feat: US-002 - names its stage by its branch')
    sh(dir, 'git', 'checkout', '-q', 'main')
    work(dir, 'feat(stage-3): beside the stage branch')
    sh(
      dir,
      'git',
      'merge',
      '-q',
      '--no-ff',
      '-m',
      "Merge branch 'feature/stage-2-recipes'",
      'feature/stage-2-recipes',
    )
    sh(dir, 'git', 'checkout', '-q', 'feature/stage-4-side')
    work(dir, 'feat(S4-US-001): on a branch from before the target')
    sh(dir, 'git', 'checkout', '-q', 'main')

    const c = compare(dir, 'S2')
    expect(c.plan).toEqual(c.wholePlan)
    // S4's commit is after the target in the log but not on main: not discarded.
    expect(c.plan.stagesReset).toEqual(['S2', 'S3'])
    expect(c.boundedRead).toBe(true)
  })

  it('a tag on the commit, kind and stage of an inferred checkpoint replaces it in both reads', () => {
    const dir = base()
    ok(dir, ['stage', 'start', 'S2'])
    work(dir, 'feat(S2-US-001): a story')
    work(dir, 'feat(stage-3): work of stage 3')
    commitAll(dir, 'checkpoint: after stage 3')
    // Its inferred stage-3-complete has the tag's name and stands on the tag's commit.
    sh(dir, 'git', 'tag', '-a', 'checkpoint/stage-3-complete', '-m', 'checkpoint: stage-3-complete')

    const c = compare(dir, 'S2')
    expect(c.plan).toEqual(c.wholePlan)
    expect(c.plan.stagesReset).toEqual(['S2', 'S3'])
    expect(c.boundedRead).toBe(true)
  })

  it('falls back to the whole history when a tag has the name of an inferred checkpoint', () => {
    const dir = base()
    ok(dir, ['stage', 'start', 'S2'])
    // A user's tag named like the story inferred later, on another commit.
    ok(dir, ['checkpoint', 'create', 'S3-US-001'])
    work(dir, 'feat(S2-US-001): a story')
    work(dir, 'feat(S3-US-001): a story of stage 3')

    const c = compare(dir, 'S2')
    expect(c.plan).toEqual(c.wholePlan)
    expect(c.boundedRead).toBe(false)
  })
})
