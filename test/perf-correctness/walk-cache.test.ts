import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/adapters/repo.js'
import {
  BRANCH_WALK,
  branchWalk,
  forgetKeptWalk,
  keptWalksWritten,
  parseWalk,
  walkAhead,
} from '../../src/ops/diagnose/branch-walk.js'
import { commitAt, traced } from '../helpers/git-trace.js'
import { copyOf, keep, makeRepo, sh, tempDir } from '../helpers/repo.js'

/*
 * The walk kept in `.git/cpo/cache/walk` (ARCHITECTURE.md §38) must only ever shorten the read:
 * every walk here is compared with git's own `log --branches` of the moment, after new commits,
 * a reset back, a replace ref and a shallow clone (history rewritten: the file must not be
 * used), and damaged files. `forgetKeptWalk` stands for a new process.
 */

let template: string | undefined
/** Twelve commits on main with a merged side branch; equal and skewed times. */
function history(): string {
  if (!template) {
    const dir = makeRepo({})
    const T = 1_700_000_000
    for (let i = 0; i < 5; i++) commitAt(dir, `feat(stage-1): work ${i}`, T + (i % 2) * 10)
    sh(dir, 'git', 'checkout', '-q', '-b', 'side')
    commitAt(dir, 'feat(S1-US-002): side', T + 5)
    sh(dir, 'git', 'checkout', '-q', 'main')
    commitAt(dir, 'feat(stage-1): main', T + 3)
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'merge: Stage S1', 'side'], { cwd: dir })
    for (let i = 0; i < 4; i++) commitAt(dir, `feat(stage-2): work ${i}`, T + 100)
    template = keep(dir)
  }
  return copyOf(template)
}

const gitWalk = (dir: string) => parseWalk(sh(dir, 'git', ...BRANCH_WALK))
const keptFile = (dir: string) => path.join(dir, '.git', 'cpo', 'cache', 'walk')
const head = (dir: string) => sh(dir, 'git', 'rev-parse', 'HEAD').trim()

const wholeWalks = (argvs: string[][]) =>
  argvs.filter((a) => a.includes('--branches') && !a.some((x) => x.startsWith('^')))

/** A branch walk in a new process: forgets what this one kept, then walks (traced). */
async function walkAgain(dir: string) {
  forgetKeptWalk()
  const repo = await openRepo(dir)
  const { value, argvs } = await traced(() => branchWalk(repo))
  // The kept file is written beside the walk: wait for it as the process's exit would.
  await keptWalksWritten()
  return { walk: value, whole: wholeWalks(argvs).length, argvs }
}

describe('the kept walk', () => {
  it('is written after a whole walk, then only new commits and a reset back are read', async () => {
    const dir = history()
    const first = await walkAgain(dir)
    expect(first.walk).toEqual(gitWalk(dir))
    expect(first.whole).toBe(1)
    const text = fs.readFileSync(keptFile(dir), 'utf8')
    expect(text.startsWith(`cpo walk v1\n${head(dir)}\n`)).toBe(true)

    const tip = head(dir)
    commitAt(dir, 'feat(stage-2): new 1', 1_700_000_200)
    commitAt(dir, 'feat(stage-2): new 2', 1_600_000_000) // older than its parent
    const second = await walkAgain(dir)
    expect(second.walk).toEqual(gitWalk(dir))
    expect(second.whole).toBe(0)
    expect(second.argvs.some((a) => a.includes('--branches') && a.includes(`^${tip}`))).toBe(true)
    expect(fs.readFileSync(keptFile(dir), 'utf8').split('\n')[1]).toBe(head(dir))

    sh(dir, 'git', 'reset', '-q', '--hard', 'HEAD~3') // back along the chain, as a rollback
    const third = await walkAgain(dir)
    expect(third.walk).toEqual(gitWalk(dir))
    expect(third.whole).toBe(0)
  })

  it('a replace ref rewrites history: the kept walk is not used, the walk is git’s', async () => {
    const dir = history()
    sh(dir, 'git', 'branch', '-q', '-D', 'side') // one branch: nothing outside main's history
    const before = await walkAgain(dir)
    expect(fs.existsSync(keptFile(dir))).toBe(true)
    const root = sh(dir, 'git', 'rev-list', '--max-parents=0', 'HEAD').trim()
    sh(dir, 'git', 'replace', '--graft', 'HEAD~2', root)
    // In the same process (a long-running `cpo mcp`), which has the walk in memory: not used.
    expect(await branchWalk(await openRepo(dir))).toEqual(gitWalk(dir))
    const r = await walkAgain(dir)
    expect(r.walk).toEqual(gitWalk(dir))
    expect(r.walk.length).toBeLessThan(before.walk.length) // the graft cut the history short
    expect(r.whole).toBe(1)
    sh(dir, 'git', 'pack-refs', '--all') // the replace ref only in packed-refs: the same
    expect((await walkAgain(dir)).walk).toEqual(gitWalk(dir))
  })

  it('a shallow clone: walked whole, nothing kept', async () => {
    const dir = history()
    const clone = path.join(tempDir(), 'shallow')
    sh(dir, 'git', 'clone', '-q', '--depth', '3', `file://${dir}`, clone)
    for (const _ of [1, 2]) {
      const r = await walkAgain(clone)
      expect(r.walk).toEqual(gitWalk(clone))
      expect(r.whole).toBe(1)
    }
    expect(fs.existsSync(keptFile(clone))).toBe(false)
  })

  it('a damaged file is read as none: the walk is read whole and kept again', async () => {
    const dir = history()
    await walkAgain(dir)
    const good = fs.readFileSync(keptFile(dir), 'utf8')
    const [, commitLine = ''] = good.split('\n')
    const other = sh(dir, 'git', 'rev-parse', 'HEAD~1').trim()
    for (const bad of [
      'garbage',
      good.replace('cpo walk v1', 'cpo walk v2'),
      good.slice(0, good.length - 30), // cut short
      good.replace(`\n${commitLine}\n`, `\n${other}\n`), // not the walk of the commit it names
      `cpo walk v1\n${commitLine}\n`, // no records
    ]) {
      fs.writeFileSync(keptFile(dir), bad)
      const r = await walkAgain(dir)
      expect(r.walk).toEqual(gitWalk(dir))
      expect(r.whole).toBe(1)
      expect(fs.readFileSync(keptFile(dir), 'utf8')).toBe(good)
    }
  })

  it("a rollback's walk ahead of a commit the kept walk holds reads no walk from git", async () => {
    const dir = history()
    const target = head(dir)
    commitAt(dir, 'rollback(stage-2): before', 1_700_000_300)
    await walkAgain(dir) // keeps the walk of that commit, a chain of one on the target
    forgetKeptWalk()
    const repo = await openRepo(dir)
    const r = await traced(async () => walkAhead(repo, target).walk)
    const expected = parseWalk(
      sh(
        dir,
        'git',
        'log',
        '--date-order',
        '--reverse',
        '-z',
        '--format=%H%x00%P%x00%ct%x00%s',
        target,
      ),
    )
    expect(r.value?.records).toEqual(expected)
    expect(r.argvs.filter((a) => a[1] === 'log')).toEqual([])
  })
})
