import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpoTraced } from '../helpers/git-trace.js'
import { commitAll, copyOf, keep, makeRepo, sh } from '../helpers/repo.js'
import { editState, ok, pendingProject, work } from './workflow-repo.js'

const project = () => pendingProject(3)

const pass =
  (...ids: string[]) =>
  (doc: any) => {
    for (const s of doc.stages)
      for (const st of s.stories) if (ids.includes(st.id)) st.passes = true
  }

/**
 * The workflow in its usual shape: `init`, S1 started, two story commits, stories passing, S1
 * completed (tagged), S2 started with one passing story and one more commit. Built once, copied.
 */
let template: string | undefined
function base(): string {
  if (!template) {
    const dir = makeRepo({ 'master-project.json': project(), 'README.md': '# p\n' })
    ok(dir, ['init'])
    ok(dir, ['stage', 'start', 'S1'])
    work(dir, 'feat(S1-US-001): first story')
    work(dir, 'feat(S1-US-002): second story')
    editState(dir, pass('S1-US-001', 'S1-US-002'))
    ok(dir, ['stage', 'complete', 'S1', '--skip-verify'])
    ok(dir, ['stage', 'start', 'S2'])
    work(dir, 'feat(S2-US-001): third story')
    editState(dir, pass('S2-US-001'))
    work(dir, 'feat(S2-US-002): fourth story')
    template = keep(dir)
  }
  return copyOf(template)
}

const traced = cpoTraced

/** A walk of all of HEAD's history or of every branch, with no bound and no filter. */
const unbounded = (argvs: string[][]) =>
  argvs.filter((a) => {
    const walk = a[1] === 'rev-list' || a[1] === 'log'
    if (!walk) return false
    if (a.includes('--branches')) return !a.some((x) => x.startsWith('^'))
    const head = a.includes('HEAD') && !a.some((x) => x.startsWith('^'))
    return head && !a.some((x) => x.startsWith('--grep='))
  })
/** HEAD's messages read whole, unfiltered (what the check read before). */
const wholeMessages = (argvs: string[][]) =>
  argvs.filter(
    (a) =>
      a[1] === 'log' &&
      a.includes('HEAD') &&
      a.some((x) => x.includes('%B')) &&
      !a.some((x) => x.startsWith('--grep=')),
  )
const branchWalks = (argvs: string[][]) =>
  argvs.filter((a) => a[1] === 'log' && a.includes('--branches'))
const headRevLists = (argvs: string[][]) =>
  argvs.filter((a) => a[1] === 'rev-list' && a.includes('HEAD'))

/**
 * `cpo check --json` as it runs and with the whole history read (CPO_INTERNAL_WHOLE_HISTORY):
 * the problems, the state check and the repair it proposes must be the same.
 */
function check(dir: string) {
  const bounded = traced(dir, ['check', '--json'])
  const whole = traced(dir, ['check', '--json'], { CPO_INTERNAL_WHOLE_HISTORY: '1' })
  expect(bounded.r.stdout).not.toBe('')
  const pick = (d: any) => ({
    problems: d.problems,
    repair: d.repair,
    state: { ...d.checks[0], durationMs: 0 },
  })
  const b = pick(bounded.r.json.data)
  expect(b).toEqual(pick(whole.r.json.data))
  expect(bounded.r.code).toBe(whole.r.code)
  // The forced run really read all of it: the comparison means something.
  expect(unbounded(whole.argvs).length).toBeGreaterThan(0)
  return { ...b, argvs: bounded.argvs }
}

describe('cpo check reads what its checks need, with the whole read’s problems', () => {
  it('done stage with its complete tag, in-progress stage with its start tag: no walk at all', () => {
    const dir = base()
    const c = check(dir)
    expect(c.problems).toEqual([])
    expect(c.state.status).toBe('pass')
    expect(unbounded(c.argvs)).toEqual([])
    expect(branchWalks(c.argvs)).toEqual([])
    expect(headRevLists(c.argvs)).toEqual([])
    // The messages read are only those that can name a passing story or revert one.
    const logs = c.argvs.filter((a) => a[1] === 'log')
    expect(logs.length).toBe(1)
    expect(logs[0]).toEqual(
      expect.arrayContaining([
        '--grep=S1-US-001',
        '--grep=S2-US-001',
        '--grep=This reverts commit',
      ]),
    )
  })

  it('done stages without a complete tag: explicit and last-commit completions count as in the whole read', () => {
    for (const lastOnSide of [false, true]) {
      const dir = base()
      sh(dir, 'git', 'tag', '-d', 'checkpoint/stage-1-complete') // `checkpoint: after Stage 1` remains
      // S3 done by hand: no marker at all, its completion is its last commit.
      work(dir, 'feat(stage-3): work of stage 3')
      work(dir, 'feat(S3-US-001): a stage 3 story')
      if (lastOnSide) {
        sh(dir, 'git', 'checkout', '-q', '-b', 'side')
        work(dir, 'feat(S3-US-002): later, on another branch')
        sh(dir, 'git', 'checkout', '-q', 'main')
      }
      editState(dir, (doc) => {
        doc.stages[2].status = 'completed'
      })
      const c = check(dir)
      expect(c.problems.map((p: any) => `${p.kind} ${p.stage}`)).toEqual(
        lastOnSide ? ['done-without-checkpoint S3'] : [],
      )
      // The completions were found in one walk of the branches' subjects: no `--source`
      // inference, no whole messages, HEAD's history from that walk's parents.
      expect(wholeMessages(c.argvs)).toEqual([])
      expect(branchWalks(c.argvs).length).toBe(1)
      expect(branchWalks(c.argvs)[0]).not.toContain('--source')
      expect(headRevLists(c.argvs)).toEqual([])
    }
  })

  it('done stage whose only completion is elsewhere: the same problem and message', () => {
    const dir = base()
    // S1 done in the state file, but its completion tag is on a commit HEAD no longer reaches.
    const tagged = sh(dir, 'git', 'rev-parse', 'checkpoint/stage-1-complete^{commit}').trim()
    sh(dir, 'git', 'checkout', '-q', '-b', 'side', `${tagged}~1`)
    editState(dir, (doc) => {
      doc.stages[0].status = 'completed'
      doc.stages[1].status = 'pending'
    })
    const c = check(dir)
    expect(c.problems.map((p: any) => p.kind)).toEqual(['done-without-checkpoint'])
    expect(c.problems[0].message).toContain(tagged.slice(0, 10))
    expect(unbounded(c.argvs)).toEqual([])
  })

  /** An empty commit dated `seconds` after the epoch of this test's history. */
  const dated = (dir: string, message: string, seconds: number) => {
    const date = `${2_000_000_000 + seconds} +0000`
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', message], {
      cwd: dir,
      env: { ...process.env, GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date },
    })
    return sh(dir, 'git', 'rev-parse', 'HEAD').trim()
  }

  it('explicit completion markers on two branches: the newest keeps the name, as in the whole list', () => {
    for (const sideIsNewer of [true, false]) {
      const dir = base()
      sh(dir, 'git', 'tag', '-d', 'checkpoint/stage-1-complete')
      const mine = dated(dir, 'checkpoint: after stage 1 - Stage 1', sideIsNewer ? 10 : 20)
      sh(dir, 'git', 'checkout', '-q', '-b', 'side', 'HEAD~1')
      const side = dated(dir, 'merge: Stage S1', sideIsNewer ? 20 : 10)
      sh(dir, 'git', 'checkout', '-q', 'main')
      const c = check(dir)
      if (sideIsNewer) {
        expect(c.problems.map((p: any) => `${p.kind} ${p.stage}`)).toEqual([
          'done-without-checkpoint S1',
        ])
        expect(c.problems[0].message).toContain(side.slice(0, 10))
      } else {
        expect(c.problems).toEqual([])
        expect(mine).not.toBe(side)
      }
      // The markers were found in one walk of the branches' subjects: no `--source`
      // inference, no whole messages, HEAD's history from that walk's parents.
      expect(wholeMessages(c.argvs)).toEqual([])
      expect(branchWalks(c.argvs).length).toBe(1)
      expect(branchWalks(c.argvs)[0]).not.toContain('--source')
      expect(headRevLists(c.argvs)).toEqual([])
    }
  })

  it('in-progress stage without its start tag: the same answer', () => {
    const dir = base()
    sh(dir, 'git', 'tag', '-d', 'checkpoint/stage-2-start')
    const c = check(dir)
    expect(wholeMessages(c.argvs)).toEqual([])
    // Stage 2 marked in progress with no start anywhere: a problem in both reads.
    const none = base()
    sh(none, 'git', 'tag', '-d', 'checkpoint/stage-2-start')
    editState(none, (doc) => {
      doc.stages[2].status = 'in_progress'
    })
    const n = check(none)
    expect(n.problems.map((p: any) => `${p.kind} ${p.stage}`)).toContain(
      'in-progress-without-start S3',
    )
  })

  it('a passing story whose commit was reverted: found in the filtered messages', () => {
    const dir = base()
    const story = sh(dir, 'git', 'log', '--format=%H', '--grep=S2-US-001', '-1').trim()
    sh(dir, 'git', 'revert', '--no-edit', story)
    // A commit whose body names a story is read but not counted: only subjects name stories.
    commitAll(dir, 'docs: notes\n\nmentions S1-US-001 in the body only')
    const c = check(dir)
    expect(c.problems).toEqual([
      expect.objectContaining({ kind: 'story-reverted', story: 'S2-US-001' }),
    ])
    expect(c.problems[0].message).toContain(story.slice(0, 10))
    expect(unbounded(c.argvs)).toEqual([])
  })

  it('after a manual `git reset --hard` past a completion: the same problems and repair', () => {
    const dir = base()
    ok(dir, ['stage', 'complete', 'S2', '--skip-verify'])
    const state = fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8')
    sh(dir, 'git', 'reset', '-q', '--hard', 'checkpoint/stage-2-start')
    fs.writeFileSync(path.join(dir, 'master-project.json'), state) // the file says S2 is done
    const c = check(dir)
    expect(c.problems.map((p: any) => `${p.kind} ${p.stage}`)).toEqual([
      'done-without-checkpoint S2',
    ])
    expect(c.repair).not.toBeNull()
    expect(unbounded(c.argvs)).toEqual([])
  })
})

/**
 * `rollback stage S2` in `dir` as it runs and in a copy with the whole history read: both
 * succeed, their after-list state items agree and pass, stage 2's commits are gone from HEAD.
 */
function rollBothWays(dir: string) {
  const copy = copyOf(dir)
  const args = ['rollback', 'stage', 'S2', '--reason', 'test', '--json', '--no-install']
  const run = traced(dir, args)
  const whole = traced(copy, args, { CPO_INTERNAL_WHOLE_HISTORY: '1' })
  expect(run.r.code, run.r.stderr).toBe(0)
  expect(whole.r.code, whole.r.stderr).toBe(0)
  const item = (r: any) =>
    r.json.data.checklist.find((i: any) => i.id === 'state' && i.when === 'after')
  expect(item(run.r)).toEqual(item(whole.r))
  expect(item(run.r).status).toBe('ok')
  expect(sh(dir, 'git', 'log', '--format=%s', 'HEAD')).not.toContain('S2-US-001')
  return { argvs: run.argvs, wholeArgvs: whole.argvs }
}

describe("a rollback's after-list reads no whole history", () => {
  it('rollback stage S2: the state item agrees with the whole read, and no unbounded walk', () => {
    const { argvs, wholeArgvs } = rollBothWays(base())
    expect(unbounded(argvs)).toEqual([])
    expect(unbounded(wholeArgvs).length).toBeGreaterThan(0)
  })
})

describe('a rollback whose state check infers a completion: the branch walk composed (§37)', () => {
  it("rollback stage S2 with S1's complete tag gone: the whole read's state item, no whole branch walk", () => {
    const dir = base()
    sh(dir, 'git', 'tag', '-d', 'checkpoint/stage-1-complete')
    const target = sh(dir, 'git', 'rev-parse', 'checkpoint/stage-2-start^{commit}').trim()
    const { argvs, wholeArgvs } = rollBothWays(dir)
    // The target's walk read at the plan, the branches read only beyond it after the move (the
    // plan's own read, with `--source`, is bounded by the target too).
    const walks = branchWalks(argvs).filter((a) => !a.includes('--source'))
    expect(walks.length).toBe(1)
    expect(walks[0]).toContain(`^${target}`)
    const targetWalks = argvs.filter(
      (a) => a[1] === 'log' && a.includes(target) && !a.includes('--branches'),
    )
    expect(targetWalks.length).toBe(1)
    expect(branchWalks(wholeArgvs).some((a) => !a.some((x) => x.startsWith('^')))).toBe(true)
  })
})
