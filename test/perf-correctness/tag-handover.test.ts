import { afterEach, describe, expect, it } from 'vitest'
import { readCheckpointTags } from '../../src/adapters/checkpoint-git.js'
import type { Repo } from '../../src/adapters/repo.js'
import {
  forgetTagReads,
  readCheckpointTagsRemembered,
  tagsAgain,
} from '../../src/ops/checkpoint/tag-reads.js'
import { commitAll, makeRepo, sh } from '../helpers/repo.js'

/*
 * A rollback's after-list takes the checkpoint tags its plan read when the tags still name the
 * same objects (ARCHITECTURE.md §28). Whatever happened to the tags in between, what it gets
 * must be what a fresh read of every tag gives: checked here on a real repository after no
 * change, a new tag, a moved tag, a tag re-made with another message on the same commit, a
 * deleted tag, and for another repository.
 */

afterEach(() => forgetTagReads())

function repoWithTags(): { dir: string; repo: Repo; commits: string[] } {
  const dir = makeRepo({ 'README.md': '# p\n' })
  const commits = [commitAll(dir, 'one'), commitAll(dir, 'two'), commitAll(dir, 'three')]
  sh(
    dir,
    'git',
    'tag',
    '-a',
    '-m',
    'cpo checkpoint\n\nkind: manual',
    'checkpoint/a',
    commits[0] as string,
  )
  sh(dir, 'git', 'tag', 'checkpoint/light', commits[1] as string)
  sh(dir, 'git', 'tag', '-a', '-m', 'second', 'checkpoint/b', commits[2] as string)
  sh(dir, 'git', 'tag', 'other-tag', commits[0] as string)
  return { dir, repo: { root: dir } as Repo, commits }
}

describe('tagsAgain: the plan’s tag records only when they are still every tag’s', () => {
  it('reads what readCheckpointTags reads, and the same again when nothing changed', async () => {
    const { repo } = repoWithTags()
    const fresh = await readCheckpointTags(repo)
    expect(await readCheckpointTagsRemembered(repo)).toEqual(fresh)
    expect(fresh.map((t) => t.ref)).toEqual([
      'refs/tags/checkpoint/a',
      'refs/tags/checkpoint/b',
      'refs/tags/checkpoint/light',
    ])
    expect(fresh[0]?.contents).toContain('kind: manual')
    expect(await tagsAgain(repo)).toEqual(fresh)
  })

  const changes: Array<[string, (dir: string, commits: string[]) => void, (t: any[]) => void]> = [
    [
      'a new tag',
      (dir, c) => sh(dir, 'git', 'tag', '-a', '-m', 'new one', 'checkpoint/c', c[0] as string),
      (t) =>
        expect(
          t.some((x) => x.ref === 'refs/tags/checkpoint/c' && x.contents.includes('new one')),
        ).toBe(true),
    ],
    [
      'a moved tag',
      (dir, c) => sh(dir, 'git', 'tag', '-f', 'checkpoint/light', c[2] as string),
      (t) => expect(t.find((x) => x.ref === 'refs/tags/checkpoint/light')?.commit).toBeDefined(),
    ],
    [
      'the same name and commit, another message',
      (dir, c) => {
        sh(dir, 'git', 'tag', '-d', 'checkpoint/b')
        sh(dir, 'git', 'tag', '-a', '-m', 'rewritten', 'checkpoint/b', c[2] as string)
      },
      (t) =>
        expect(t.find((x) => x.ref === 'refs/tags/checkpoint/b')?.contents).toContain('rewritten'),
    ],
    [
      'a deleted tag',
      (dir) => sh(dir, 'git', 'tag', '-d', 'checkpoint/a'),
      (t) => expect(t.map((x) => x.ref)).not.toContain('refs/tags/checkpoint/a'),
    ],
  ]
  for (const [name, change, check] of changes) {
    it(`reads every tag again after ${name}`, async () => {
      const { dir, repo, commits } = repoWithTags()
      const planned = await readCheckpointTagsRemembered(repo)
      change(dir, commits)
      const fresh = await readCheckpointTags(repo)
      const again = await tagsAgain(repo)
      expect(again).toEqual(fresh)
      expect(again).not.toEqual(planned)
      check(again)
    })
  }

  it('reads another repository’s tags, not the remembered ones', async () => {
    const first = repoWithTags()
    const second = repoWithTags()
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
    await readCheckpointTagsRemembered(first.repo)
    const again = await tagsAgain(second.repo)
    expect(again).toEqual(await readCheckpointTags(second.repo))
    expect(again.map((t) => t.ref)).toContain('refs/tags/checkpoint/z')
  })
})
