import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/adapters/repo.js'
import {
  BRANCH_WALK,
  branchWalk,
  parseWalk,
  walkAhead,
} from '../../src/ops/diagnose/branch-walk.js'
import { commitAt, traced } from '../helpers/git-trace.js'
import { copyOf, keep, makeRepo, sh } from '../helpers/repo.js'

/*
 * The branch walk composed from a walk of `base` read earlier and the commits beyond it
 * (ARCHITECTURE.md §37) must be git's own walk of every branch, record for record and in the
 * same order, or not be used. The history below is made to trip an ordering shortcut: equal
 * commit times, a child older than its parent, a merged side branch whose commits interleave by
 * date with the main line, a branch left on an old commit. Each case starts the walk of `base`
 * before the commits go on (as the rollback does) and compares with `git log --branches`, with
 * and without a commit-graph (git walks by generation numbers when it has one).
 */

let template: string | undefined
/** main: equal times, a skewed child, a merged side branch, an old branch kept. */
function history(): string {
  if (!template) {
    const dir = makeRepo({})
    const T = 1_700_000_000
    commitAt(dir, 'feat: root', T)
    commitAt(dir, 'checkpoint: before Stage 1 - One', T + 10)
    sh(dir, 'git', 'branch', 'old')
    commitAt(dir, 'feat(S1-US-001): a', T + 20)
    sh(dir, 'git', 'checkout', '-q', '-b', 'side')
    commitAt(dir, 'feat(S1-US-002): side b', T + 25)
    commitAt(dir, 'feat(S1-US-003): side c', T + 40)
    sh(dir, 'git', 'checkout', '-q', 'main')
    commitAt(dir, 'feat(stage-1): same time 1', T + 30)
    commitAt(dir, 'feat(stage-1): same time 2', T + 30)
    commitAt(dir, 'feat(stage-1): older than its parent', T + 5)
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'merge: Stage S1', 'side'], {
      cwd: dir,
      env: {
        ...process.env,
        GIT_COMMITTER_DATE: `${T + 50} +0000`,
        GIT_AUTHOR_DATE: `${T + 50} +0000`,
      },
    })
    commitAt(dir, 'feat(stage-2): after the merge', T + 50)
    template = keep(dir)
  }
  return copyOf(template)
}

const gitWalk = (dir: string) => parseWalk(sh(dir, 'git', ...BRANCH_WALK))

/** The walks of every branch read whole (no `^` bound). */
const wholeWalks = (argvs: string[][]) =>
  argvs.filter((a) => a.includes('--branches') && !a.some((x) => x.startsWith('^')))

async function compose(dir: string, grow: (base: string) => void, graph: boolean) {
  const repo = await openRepo(dir)
  const base = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
  const ahead = walkAhead(repo, base)
  await ahead.walk
  grow(base)
  if (graph) sh(dir, 'git', 'commit-graph', 'write', '--reachable')
  const { value, argvs } = await traced(() => branchWalk(repo, ahead))
  return { walk: value, whole: wholeWalks(argvs).length, expected: gitWalk(dir) }
}

const T2 = 1_700_000_100
const chains: Array<[string, (dir: string) => (base: string) => void]> = [
  [
    'one commit older than all the history',
    (dir) => () => void commitAt(dir, 'rollback: x', 1_000_000_000),
  ],
  [
    'three commits at the times of the history',
    (dir) => () => {
      for (const i of [1, 2, 3]) commitAt(dir, `feat(stage-2): chain ${i}`, 1_700_000_030)
    },
  ],
  [
    'the rollback shape: main reset to base after work, one commit on it',
    (dir) => (base) => {
      commitAt(dir, 'feat(stage-3): discarded', T2)
      commitAt(dir, 'feat(stage-3): discarded too', T2 + 1)
      sh(dir, 'git', 'reset', '-q', '--hard', base)
      commitAt(dir, 'rollback(stage-3): back', T2 + 2)
    },
  ],
  [
    'a chain with a second branch inside it',
    (dir) => () => {
      commitAt(dir, 'feat(stage-2): c1', T2)
      sh(dir, 'git', 'branch', 'mid')
      commitAt(dir, 'feat(stage-2): c2', T2)
    },
  ],
  ['nothing beyond base, a branch at it', () => () => {}],
  [
    'main moved back one commit, nothing beyond',
    (dir) => () => void sh(dir, 'git', 'reset', '-q', '--hard', 'HEAD~1'),
  ],
]

const forks: Array<[string, (dir: string) => (base: string) => void]> = [
  [
    'a branch forking below base',
    (dir) => () => {
      commitAt(dir, 'feat(stage-2): on main', T2)
      sh(dir, 'git', 'checkout', '-q', 'old')
      commitAt(dir, 'feat(stage-1): on old', T2 + 1)
      sh(dir, 'git', 'checkout', '-q', 'main')
    },
  ],
  [
    'a merge beyond base',
    (dir) => (base) => {
      sh(dir, 'git', 'checkout', '-q', '-b', 'topic', base)
      commitAt(dir, 'feat(stage-2): topic', T2)
      sh(dir, 'git', 'checkout', '-q', 'main')
      commitAt(dir, 'feat(stage-2): main', T2 + 1)
      sh(dir, 'git', 'merge', '-q', '--no-ff', '-m', 'merge topic', 'topic')
    },
  ],
  [
    'an orphan branch',
    (dir) => () => {
      commitAt(dir, 'feat(stage-2): on main', T2)
      sh(dir, 'git', 'checkout', '-q', '--orphan', 'fresh')
      commitAt(dir, 'feat: a new root', T2 + 1)
      sh(dir, 'git', 'checkout', '-q', 'main')
    },
  ],
  [
    'every branch behind base, past a merge',
    (dir) => () => void sh(dir, 'git', 'reset', '-q', '--hard', 'HEAD~2'),
  ],
]

describe('the branch walk from a walk read ahead', () => {
  for (const graph of [false, true]) {
    const how = graph ? 'with a commit-graph' : 'without a commit-graph'
    for (const [name, grow] of chains) {
      it(`${name}, ${how}: composed, and exactly git's walk`, async () => {
        const dir = history()
        const r = await compose(dir, grow(dir), graph)
        expect(r.walk).toEqual(r.expected)
        expect(r.whole).toBe(0)
        // Real history: the template's commits (ten, the root and the merge among them) are there.
        expect(r.expected.length).toBeGreaterThanOrEqual(9)
      })
    }
    for (const [name, grow] of forks) {
      it(`${name}, ${how}: not composed; the whole walk is read`, async () => {
        const dir = history()
        const r = await compose(dir, grow(dir), graph)
        expect(r.whole).toBe(1)
        expect(r.walk).toEqual(r.expected)
      })
    }
  }

  it('a walk ahead that failed (an unknown commit) reads the whole walk', async () => {
    const dir = history()
    const repo = await openRepo(dir)
    const ahead = walkAhead(repo, 'f'.repeat(40))
    expect(await ahead.walk).toBeUndefined()
    const r = await traced(() => branchWalk(repo, ahead))
    expect(r.value).toEqual(gitWalk(dir))
    expect(wholeWalks(r.argvs).length).toBe(1)
  })
})
