import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BRANCH_LOG_READ } from '../../src/adapters/checkpoint-git.js'
import { CHECKPOINT_TAG_READ, forgetStoredTags } from '../../src/adapters/checkpoint-tags.js'
import { pendingEarlyReads } from '../../src/adapters/git-spawn.js'
import { openRepo, REPO_READ } from '../../src/adapters/repo.js'
import { STATUS_READ } from '../../src/adapters/snapshot/status.js'
import { startEarlyReads } from '../../src/cli/early-reads.js'
import { listCheckpoints } from '../../src/ops/checkpoint/list.js'
import { statusAt } from '../../src/ops/status.js'
import { cpoTraced } from '../helpers/git-trace.js'
import { sh } from '../helpers/repo.js'
import { builtProject } from '../rollback/build.js'

// ARCHITECTURE.md §34: `checkpoint list` and `status` have their git reads started before their
// modules load.

/** Takes (runs and waits for) whatever early reads a test left, so none leaks into the next. */
async function drain(): Promise<void> {
  const { gitRun } = await import('../../src/adapters/git-spawn.js')
  await Promise.all(pendingEarlyReads().map(([dir, args]) => gitRun(dir, args)))
}

afterEach(drain)

/** The git processes a traced run started, each as its arguments joined by spaces. */
const readsRun = (argvs: string[][]) => argvs.map((a) => a.slice(1).join(' '))

describe('early reads', () => {
  it('start the reads of `checkpoint list`, which the list then takes: same list, no second read', async () => {
    const dir = builtProject()
    const real = fs.realpathSync(dir)
    startEarlyReads(['--json', 'checkpoint', 'list', '-C', dir])
    expect(pendingEarlyReads()).toEqual([
      [dir, REPO_READ],
      [real, CHECKPOINT_TAG_READ],
      [real, BRANCH_LOG_READ],
    ])
    const early = await listCheckpoints(await openRepo(dir))
    expect(pendingEarlyReads()).toEqual([])
    forgetStoredTags()
    const fresh = await listCheckpoints(await openRepo(dir))
    expect(early).toEqual(fresh)
    expect(
      early
        .filter((c) => !c.inferred)
        .map((c) => c.name)
        .sort(),
    ).toEqual(
      sh(dir, 'git', 'tag', '--list', 'checkpoint/*', '--format=%(refname:strip=3)')
        .trim()
        .split('\n')
        .sort(),
    )
  })

  it('start the scan and the repository read of `status`, which status then takes', async () => {
    const dir = builtProject()
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'new\n')
    startEarlyReads(['status', '--json', '-C', dir])
    expect(pendingEarlyReads()).toEqual([
      [dir, STATUS_READ],
      [dir, REPO_READ],
    ])
    const early = await statusAt(dir)
    expect(pendingEarlyReads()).toEqual([])
    expect(early.dirty.untracked).toEqual(['notes.txt'])
    expect(early).toEqual(await statusAt(dir))
  })

  it('`--tags-only` starts no history walk; a command line with a word it does not know starts nothing', async () => {
    const dir = builtProject()
    startEarlyReads(['checkpoint', 'list', '--tags-only', '-C', dir])
    expect(pendingEarlyReads()).toEqual([
      [dir, REPO_READ],
      [fs.realpathSync(dir), CHECKPOINT_TAG_READ],
    ])
    await drain()
    for (const argv of [
      ['checkpoint', 'list', '--bogus', '-C', dir],
      ['checkpoint', 'list', 'extra', '-C', dir],
      ['checkpoint', 'show', 'x', '-C', dir],
      ['status', '--porcelain', '-C', dir],
      ['checkpoint', 'list', '-C', path.join(dir, 'no-such-dir')],
      ['--help'],
      ['constructor', '-C', dir],
      ['checkpoint', 'list', '--help', '-C', dir],
      ['checkpoint', 'list', '--', '-C', dir],
    ]) {
      startEarlyReads(argv)
      expect(pendingEarlyReads(), argv.join(' ')).toEqual([])
    }
  })

  it('reads started in a subdirectory are not taken for the top (the list reads again)', async () => {
    const dir = builtProject()
    const sub = path.join(dir, 'src')
    startEarlyReads(['checkpoint', 'list', '-C', sub])
    const list = await listCheckpoints(await openRepo(dir))
    forgetStoredTags()
    expect(list).toEqual(await listCheckpoints(await openRepo(dir)))
    // The top's reads ran anew; the subdirectory's two wait untaken.
    const real = fs.realpathSync(sub)
    expect(pendingEarlyReads()).toEqual([
      [sub, REPO_READ],
      [real, CHECKPOINT_TAG_READ],
      [real, BRANCH_LOG_READ],
    ])
  })

  it('`timeline` reads the same list: the same three reads start, and the CLI runs each once', () => {
    const dir = builtProject()
    startEarlyReads(['timeline', '--json', '-C', dir])
    const real = fs.realpathSync(dir)
    expect(pendingEarlyReads()).toEqual([
      [dir, REPO_READ],
      [real, CHECKPOINT_TAG_READ],
      [real, BRANCH_LOG_READ],
    ])
    const { r, argvs } = cpoTraced(dir, ['--json', 'timeline'])
    expect(r.code, r.stderr).toBe(0)
    const starts = readsRun(argvs)
    for (const read of [REPO_READ, CHECKPOINT_TAG_READ, BRANCH_LOG_READ]) {
      expect(starts.filter((a) => a === read.join(' ')).length, read[0]).toBe(1)
    }
  })

  it('the CLI runs each read once, and prints what the library lists', async () => {
    const dir = builtProject()
    const early = [REPO_READ, CHECKPOINT_TAG_READ, BRANCH_LOG_READ].map((a) => a.join(' '))
    // The first list also reads the tag records it has not kept (ARCHITECTURE.md §36).
    const cold = cpoTraced(dir, ['--json', 'checkpoint', 'list'])
    expect(cold.r.code, cold.r.stderr).toBe(0)
    const records = readsRun(cold.argvs).filter((a) => !early.includes(a))
    expect(records).toHaveLength(1)
    expect(records[0]).toMatch(
      /^for-each-ref --format=%\(refname\)%00%\(objectname\)%00%\(\*objectname\)/,
    )
    const { r, argvs } = cpoTraced(dir, ['--json', 'checkpoint', 'list'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(cold.r.stdout)
    expect(readsRun(argvs).sort()).toEqual(early.sort())
    forgetStoredTags()
    const library = await listCheckpoints(await openRepo(dir))
    expect(r.json.data.checkpoints.map((c: { name: string }) => c.name)).toEqual(
      library.map((c) => c.name),
    )
  })
})
