import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { forgetStoredTags, readCheckpointTags } from '../../src/adapters/checkpoint-tags.js'
import { openRepo, type Repo } from '../../src/adapters/repo.js'
import { cpoTraced } from '../helpers/git-trace.js'
import { commitAll, makeRepo, sh } from '../helpers/repo.js'

/*
 * ARCHITECTURE.md §36: checkpoint tag records kept by object id in .git/cpo/cache. Whatever
 * happened to the tags or to the file, a read gives what git gives for every tag now: the
 * reference here is git's own for-each-ref, parsed by the test.
 */

afterEach(() => forgetStoredTags())

const cacheOf = (dir: string) => path.join(dir, '.git/cpo/cache/checkpoint-tags')

/** Every checkpoint tag as git prints it now (the test's own parse of for-each-ref). */
function fromGit(dir: string) {
  const out = sh(
    dir,
    'git',
    'for-each-ref',
    '--format=%(refname)%00%(*objectname)%(if)%(*objectname)%(then)%(else)%(objectname)%(end)%00%(creatordate:iso-strict)%00%(contents)%00%01',
    'refs/tags/checkpoint/',
  )
  return out
    .split('\0\u0001\n')
    .filter(Boolean)
    .map((r) => {
      const [ref, commit, date, contents] = r.split('\0')
      return { ref, commit, date, contents }
    })
}

async function repoWithTags(): Promise<{ dir: string; repo: Repo; commits: string[] }> {
  const dir = makeRepo({ 'README.md': '# p\n' })
  const commits = [commitAll(dir, 'one'), commitAll(dir, 'two'), commitAll(dir, 'three')]
  const c = (i: number) => commits[i] as string
  sh(dir, 'git', 'tag', '-a', '-m', 'cpo checkpoint\n\nkind: manual', 'checkpoint/a', c(0))
  sh(dir, 'git', 'tag', 'checkpoint/light', c(1))
  sh(dir, 'git', 'tag', '-a', '-m', 'second', 'checkpoint/b', c(2))
  sh(dir, 'git', 'tag', 'other-tag', c(0))
  return { dir, repo: await openRepo(dir), commits }
}

/** A read in this process, and one as a new process makes it (nothing remembered). */
async function bothReads(repo: Repo) {
  const here = await readCheckpointTags(repo)
  forgetStoredTags()
  return { here, fresh: await readCheckpointTags(repo) }
}

describe('checkpoint tag records kept by object id', () => {
  it('are what git gives, written on the first read and taken from the file after', async () => {
    const { dir, repo } = await repoWithTags()
    expect(fs.existsSync(cacheOf(dir))).toBe(false)
    const first = await readCheckpointTags(repo)
    expect(first).toEqual(fromGit(dir))
    expect(first.map((t) => t.ref)).toEqual([
      'refs/tags/checkpoint/a',
      'refs/tags/checkpoint/b',
      'refs/tags/checkpoint/light',
    ])
    expect(first[0]?.contents).toContain('kind: manual')
    const text = fs.readFileSync(cacheOf(dir), 'utf8')
    expect(text.startsWith('cpo checkpoint-tags v1\n')).toBe(true)
    // The file is what a new process reads: a message changed in it is what comes back.
    const id = sh(dir, 'git', 'rev-parse', 'checkpoint/b').trim()
    expect(text).toContain(`${id}\0`)
    fs.writeFileSync(cacheOf(dir), text.replace('second', 'SECOND'))
    forgetStoredTags()
    expect((await readCheckpointTags(repo))[1]?.contents).toBe('SECOND\n')
  })

  const changes: Array<[string, (dir: string, c: string[]) => void]> = [
    [
      'a new tag',
      (dir, c) => sh(dir, 'git', 'tag', '-a', '-m', 'new', 'checkpoint/c', c[0] as string),
    ],
    ['a moved tag', (dir, c) => sh(dir, 'git', 'tag', '-f', 'checkpoint/light', c[2] as string)],
    [
      'the same name and commit, another message',
      (dir, c) => {
        sh(dir, 'git', 'tag', '-d', 'checkpoint/b')
        sh(dir, 'git', 'tag', '-a', '-m', 'rewritten', 'checkpoint/b', c[2] as string)
      },
    ],
    ['a deleted tag', (dir) => sh(dir, 'git', 'tag', '-d', 'checkpoint/a')],
    [
      'a name below a new one',
      (dir, c) => {
        sh(dir, 'git', 'tag', '-d', 'checkpoint/light')
        sh(dir, 'git', 'tag', '-a', '-m', 'dir', 'checkpoint/light/x', c[0] as string)
      },
    ],
    [
      'a hundred new tags',
      (dir, c) => {
        const lines = Array.from(
          { length: 100 },
          (_, i) => `create refs/tags/checkpoint/n${i} ${c[i % 3] as string}\n`,
        )
        sh(dir, 'sh', '-c', `printf '%s' '${lines.join('')}' | git update-ref --stdin`)
      },
    ],
  ]
  for (const [name, change] of changes) {
    it(`are what git gives after ${name}, in this process and in the next`, async () => {
      const { dir, repo, commits } = await repoWithTags()
      const before = await readCheckpointTags(repo)
      change(dir, commits)
      const { here, fresh } = await bothReads(repo)
      expect(here).toEqual(fromGit(dir))
      expect(fresh).toEqual(fromGit(dir))
      expect(here).not.toEqual(before)
    })
  }

  it('after a deletion the file is written once, not at every later read of the process', async () => {
    const { dir, repo } = await repoWithTags()
    await readCheckpointTags(repo)
    sh(dir, 'git', 'tag', '-d', 'checkpoint/a')
    await readCheckpointTags(repo)
    const written = fs.statSync(cacheOf(dir)).ino
    expect(fs.readFileSync(cacheOf(dir), 'utf8')).not.toContain('kind: manual')
    expect(await readCheckpointTags(repo)).toEqual(fromGit(dir))
    expect(fs.statSync(cacheOf(dir)).ino).toBe(written)
  })

  it('two reads at once in one process agree with git and leave one valid file', async () => {
    const { dir, repo } = await repoWithTags()
    const [one, two] = await Promise.all([readCheckpointTags(repo), readCheckpointTags(repo)])
    expect(one).toEqual(fromGit(dir))
    expect(two).toEqual(fromGit(dir))
    forgetStoredTags()
    expect(await readCheckpointTags(repo)).toEqual(fromGit(dir))
    expect(fs.readdirSync(path.dirname(cacheOf(dir)))).toEqual(['checkpoint-tags'])
  })

  it('a file that is not the cache is read as empty and written anew', async () => {
    const { dir, repo } = await repoWithTags()
    await readCheckpointTags(repo)
    const good = fs.readFileSync(cacheOf(dir), 'utf8')
    for (const bad of [
      '',
      'garbage',
      Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString('latin1'),
      good.slice(0, good.length - 7),
      good.replace(/\0[0-9a-f]{40}\0/, '\0not-an-id\0'),
      good.replace('cpo checkpoint-tags v1', 'cpo checkpoint-tags v9'),
    ]) {
      fs.writeFileSync(cacheOf(dir), bad, 'latin1')
      forgetStoredTags()
      expect(await readCheckpointTags(repo)).toEqual(fromGit(dir))
      expect(fs.readFileSync(cacheOf(dir), 'utf8')).toBe(good)
    }
  })

  it('a cache that cannot be written changes nothing: the records come from git', async () => {
    const { dir, repo } = await repoWithTags()
    fs.mkdirSync(path.join(dir, '.git/cpo'), { recursive: true })
    fs.writeFileSync(path.join(dir, '.git/cpo/cache'), 'a file where the directory goes\n')
    const { here, fresh } = await bothReads(repo)
    expect(here).toEqual(fromGit(dir))
    expect(fresh).toEqual(fromGit(dir))
    expect(fs.readdirSync(path.join(dir, '.git/cpo'))).toEqual(['cache'])
  })

  it('another repository reads its own tags', async () => {
    const first = await repoWithTags()
    const second = await repoWithTags()
    sh(
      second.dir,
      'git',
      'tag',
      '-a',
      '-m',
      'only here',
      'checkpoint/z',
      second.commits[0] as string,
    )
    await readCheckpointTags(first.repo)
    const again = await readCheckpointTags(second.repo)
    expect(again).toEqual(fromGit(second.dir))
    expect(again.map((t) => t.ref)).toContain('refs/tags/checkpoint/z')
  })

  it('`checkpoint list` with every record kept reads only the names and ids', async () => {
    const { dir } = await repoWithTags()
    const cold = cpoTraced(dir, ['--json', 'checkpoint', 'list', '--tags-only'])
    expect(cold.r.code, cold.r.stderr).toBe(0)
    const warm = cpoTraced(dir, ['--json', 'checkpoint', 'list', '--tags-only'])
    expect(warm.r.stdout).toBe(cold.r.stdout)
    const tagReads = (argvs: string[][]) =>
      argvs
        .filter((a) => a.includes('for-each-ref'))
        .map((a) => a.find((x) => x.startsWith('--format=')))
    expect(tagReads(cold.argvs)).toHaveLength(2)
    expect(tagReads(warm.argvs)).toEqual(['--format=%(refname)%00%(objectname)%00'])
  })
})
