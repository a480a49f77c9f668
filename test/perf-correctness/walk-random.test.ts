import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/adapters/repo.js'
import {
  BRANCH_WALK,
  branchWalk,
  forgetKeptWalk,
  parseWalk,
  walkAhead,
} from '../../src/ops/diagnose/branch-walk.js'
import { commitAt, traced } from '../helpers/git-trace.js'
import { prng } from '../helpers/lost-writes.mjs'
import { makeRepo, sh } from '../helpers/repo.js'

/*
 * The composed and kept branch walks (ARCHITECTURE.md §37, §38) against git's own, over random
 * histories: commits on random branches with equal, rising and falling times, merges, branches
 * made, deleted and reset back, a commit-graph written now and then. After every step the walk
 * a new process would read (the kept walk forgotten in memory, the file kept) and the walk from
 * a walk read ahead of a random commit must both be exactly `git log --branches`. Seeded, so a
 * failure names the seed and step that reproduce it.
 */

const gitWalk = (dir: string) => parseWalk(sh(dir, 'git', ...BRANCH_WALK))

async function randomHistory(seed: number, steps: number) {
  const rand = prng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
  const dir = makeRepo({})
  const T = 1_700_000_000
  let clock = T
  const time = () => {
    const r = rand()
    if (r < 0.3) return clock // equal to the last
    if (r < 0.45) return clock - Math.floor(rand() * 500) // older than its parent
    clock += 1 + Math.floor(rand() * 100)
    return clock
  }
  commitAt(dir, 'feat: root', T)
  const served = { kept: 0, ahead: 0 }
  const branches = () =>
    sh(dir, 'git', 'branch', '--format=%(refname:short)').split('\n').filter(Boolean)
  let made = 0
  for (let step = 0; step < steps; step++) {
    const r = rand()
    const on = pick(branches())
    sh(dir, 'git', 'checkout', '-q', on)
    if (r < 0.45) {
      commitAt(dir, `feat(S${1 + Math.floor(rand() * 3)}-US-00${step % 9}): step ${step}`, time())
    } else if (r < 0.55) {
      sh(dir, 'git', 'checkout', '-q', '-b', `b${made++}`)
      commitAt(dir, `feat(stage-2): branch work ${step}`, time())
    } else if (r < 0.65 && branches().length > 1) {
      const other = pick(branches().filter((b) => b !== on))
      const env = `${time()} +0000`
      sh(
        dir,
        'sh',
        '-c',
        `GIT_COMMITTER_DATE='${env}' GIT_AUTHOR_DATE='${env}' git merge -q --no-ff -m 'merge: Stage S2' ${other} || git merge --abort`,
      )
    } else if (r < 0.75) {
      const back = 1 + Math.floor(rand() * 3)
      sh(dir, 'sh', '-c', `git reset -q --hard HEAD~${back} 2>/dev/null || true`)
    } else if (r < 0.8 && branches().length > 1 && on !== 'main') {
      sh(dir, 'git', 'checkout', '-q', 'main')
      sh(dir, 'git', 'branch', '-q', '-D', on)
    } else if (r < 0.85) {
      sh(dir, 'git', 'commit-graph', 'write', '--reachable')
    } else {
      commitAt(dir, `checkpoint: before Stage ${step}`, time())
    }
    const expected = gitWalk(dir)
    forgetKeptWalk()
    const repo = await openRepo(dir)
    const kept = await traced(() => branchWalk(repo))
    expect(kept.value, `seed ${seed}, step ${step}: kept`).toEqual(expected)
    if (!kept.argvs.some(isWholeWalk)) served.kept++
    const commits = expected.map((c) => c.commit)
    if (commits.length > 0) {
      const ahead = walkAhead(repo, pick(commits))
      await ahead.walk
      const composed = await traced(() => branchWalk(repo, ahead))
      expect(composed.value, `seed ${seed}, step ${step}: ahead`).toEqual(expected)
      if (!composed.argvs.some(isWholeWalk)) served.ahead++
    }
  }
  return served
}

/** A walk of every branch read whole (no `^` bound). */
const isWholeWalk = (a: string[]) => a.includes('--branches') && !a.some((x) => x.startsWith('^'))

describe('branch walks composed and kept, over random histories', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: every walk is git's`, async () => {
      const served = await randomHistory(seed, 30)
      // The shortcuts were taken, not only the whole read: at least a fifth of the steps.
      expect(served.kept).toBeGreaterThanOrEqual(6)
      expect(served.ahead).toBeGreaterThanOrEqual(6)
    })
  }
})
