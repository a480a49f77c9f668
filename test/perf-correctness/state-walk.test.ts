import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpoTraced } from '../helpers/git-trace.js'
import { commitAll, copyOf, keep, makeRepo, sh } from '../helpers/repo.js'
import { editState, ok, pendingProject, work } from './workflow-repo.js'

/**
 * The state check's one walk of the branches (ARCHITECTURE.md §18): markers, last commits and
 * HEAD's history all from one `log --branches`, HEAD's history by following parents. These
 * shapes are where following parents in-process could go wrong: merges, HEAD on a side branch,
 * a detached HEAD inside and outside the branches, markers only a side branch holds.
 */

/** S1 and S2 done by hand (no tags, no `cpo stage`): S1 closed by a marker, S2 by nothing. */
let template: string | undefined
function base(): string {
  if (!template) {
    const dir = makeRepo({ 'master-project.json': pendingProject(3), 'README.md': '# p\n' })
    ok(dir, ['init'])
    work(dir, 'checkpoint: before Stage 1 - Stage 1')
    work(dir, 'feat(S1-US-001): first story')
    work(dir, 'merge: Stage S1')
    work(dir, 'feat(stage-2): work of stage 2')
    work(dir, 'feat(S2-US-001): a stage 2 story')
    editState(dir, (doc) => {
      doc.stages[0].status = 'completed'
      doc.stages[1].status = 'completed'
    })
    template = keep(dir)
  }
  return copyOf(template)
}

/** `cpo check --json` as it runs and with the whole history forced: the same problems. */
function check(dir: string) {
  const bounded = cpoTraced(dir, ['check', '--json'])
  const whole = cpoTraced(dir, ['check', '--json'], { CPO_INTERNAL_WHOLE_HISTORY: '1' })
  expect(bounded.r.stdout, bounded.r.stderr).not.toBe('')
  const pick = (d: any) => ({ problems: d.problems, repair: d.repair, status: d.checks[0].status })
  expect(pick(bounded.r.json.data)).toEqual(pick(whole.r.json.data))
  expect(bounded.r.code).toBe(whole.r.code)
  // The forced run read the whole checkpoint list (`--source`): the comparison means something.
  expect(whole.argvs.some((a) => a[1] === 'log' && a.includes('--source'))).toBe(true)
  const walks = bounded.argvs.filter((a) => a[1] === 'log' && a.includes('--branches'))
  const revLists = bounded.argvs.filter((a) => a[1] === 'rev-list' && a.includes('HEAD'))
  return { problems: bounded.r.json.data.problems as any[], walks, revLists }
}

const kinds = (problems: any[]) => problems.map((p) => `${p.kind} ${p.stage}`)

describe('the state check walks the branches once', () => {
  it('a linear history: no problem, one walk, no rev-list', () => {
    const c = check(base())
    expect(c.problems).toEqual([])
    expect(c.walks.length).toBe(1)
    expect(c.walks[0]).not.toContain('--source')
    expect(c.revLists).toEqual([])
  })

  it('markers reached only through a merge’s second parent count as on HEAD', () => {
    const dir = base()
    sh(dir, 'git', 'checkout', '-q', '-b', 'side', 'HEAD~6')
    work(dir, 'feat(S3-US-001): stage 3 on a side branch')
    work(dir, 'checkpoint: after Stage 3 - Stage 3')
    sh(dir, 'git', 'checkout', '-q', 'main')
    sh(dir, 'git', 'merge', '-q', '--no-ff', '-m', 'chore: bring side in', 'side')
    editState(dir, (doc) => {
      doc.stages[2].status = 'completed'
    })
    const c = check(dir)
    expect(c.problems).toEqual([])
    // The merge really is what makes the marker reachable: its first parent does not reach it.
    const marker = sh(dir, 'git', 'rev-parse', 'side').trim()
    const onFirstParent = sh(dir, 'git', 'rev-list', '--first-parent', 'HEAD').split('\n')
    expect(onFirstParent).not.toContain(marker)
    expect(c.revLists).toEqual([])
  })

  it('commits dated before their parents (a skewed clock) still count as on HEAD', () => {
    const dir = base()
    const old = { ...process.env, GIT_COMMITTER_DATE: '2001-01-01T00:00:00Z' }
    const skewed = (message: string) => {
      fs.writeFileSync(path.join(dir, `skewed-${message.length}.txt`), `${message}\n`)
      execFileSync('git', ['add', '-A'], { cwd: dir })
      execFileSync('git', ['commit', '-q', '-m', message], { cwd: dir, env: old })
    }
    sh(dir, 'git', 'checkout', '-q', '-b', 'side')
    skewed('feat(S3-US-001): stage 3 with a clock 25 years behind')
    skewed('checkpoint: after Stage 3 - Stage 3')
    sh(dir, 'git', 'checkout', '-q', 'main')
    work(dir, 'chore: main moves on')
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'chore: bring side in', 'side'], {
      cwd: dir,
      env: old,
    })
    editState(dir, (doc) => {
      doc.stages[2].status = 'completed'
    })
    // The dates really are out of order: the marker is older than the commit it was made on.
    const time = (rev: string) => Number(sh(dir, 'git', 'log', '-1', '--format=%ct', rev).trim())
    expect(time('side')).toBeLessThan(time('side~2'))
    const c = check(dir)
    expect(c.problems).toEqual([])
    expect(c.walks.length).toBe(1)
    expect(c.revLists).toEqual([])
    // And without the merge the marker is not on HEAD: the check says so, as the whole read does.
    sh(dir, 'git', 'reset', '-q', '--hard', 'HEAD~1')
    sh(dir, 'git', 'reset', '-q', '--soft', 'HEAD~1')
    editState(dir, (doc) => {
      doc.stages[2].status = 'completed'
    })
    expect(kinds(check(dir).problems)).toEqual(['done-without-checkpoint S3'])
  })

  it('HEAD on a side branch that left before the markers: the same problems', () => {
    const dir = base()
    sh(dir, 'git', 'checkout', '-q', '-b', 'early', 'HEAD~5') // before `merge: Stage S1`
    const state = sh(dir, 'git', 'show', 'main:master-project.json')
    fs.writeFileSync(path.join(dir, 'master-project.json'), state)
    commitAll(dir, 'chore: the state file of main')
    const c = check(dir)
    expect(kinds(c.problems)).toEqual(['done-without-checkpoint S1', 'done-without-checkpoint S2'])
    expect(c.revLists).toEqual([])
  })

  it('a detached HEAD on a branch commit uses the walk; one off every branch asks rev-list', () => {
    const dir = base()
    sh(dir, 'git', 'checkout', '-q', '--detach', 'HEAD')
    const on = check(dir)
    expect(on.problems).toEqual([])
    expect(on.revLists).toEqual([])
    // A commit no branch holds, and `main` moved back: HEAD's history is not in the walk.
    const date = `${2_000_000_000} +0000`
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'chore: detached work'], {
      cwd: dir,
      env: { ...process.env, GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date },
    })
    sh(dir, 'git', 'branch', '-f', 'main', 'HEAD~3')
    const off = check(dir)
    expect(off.revLists.length).toBe(1)
    expect(off.problems).toEqual([])
  })
})
