import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { copyOf, cpo, sh } from '../helpers/repo.js'
import {
  fixtureText,
  ok,
  prdJson,
  read,
  rev,
  skillRepo,
  state,
  status,
  storyCommit,
  subject,
} from './skill.js'

const filesAt = (dir: string, r: string) =>
  sh(dir, 'git', 'ls-tree', '-r', '--name-only', r)
    .split('\n')
    .filter((f) => f !== '' && f !== 'cpo-progress.md')

describe('stage start commits its own state change', () => {
  it('tags the state before the stage and commits in_progress alone, so story commits hold only their work', () => {
    const dir = skillRepo(fixtureText('template-after-planning.json'), {
      'prd.json': prdJson(['US-001']),
    })
    const r = ok(dir, ['--json', 'stage', 'start', 'S1'])
    const data = JSON.parse(r.stdout).data
    expect(status(dir)).toBe('')
    expect(subject(dir)).toBe('chore(stage-1): start Project setup')
    expect(data.stateCommit).toBe(rev(dir, 'HEAD'))
    expect(rev(dir, 'HEAD^')).toBe(rev(dir, 'checkpoint/stage-1-start^{commit}'))
    expect(data.commit).toBe(rev(dir, 'HEAD^'))
    expect(sh(dir, 'git', 'show', '--format=', '--name-only', 'HEAD').trim()).toBe(
      'master-project.json',
    )
    // The tag is the state before the stage; the commit after it has the stage running.
    const tagged = JSON.parse(
      sh(dir, 'git', 'show', 'checkpoint/stage-1-start:master-project.json'),
    )
    expect(tagged.stages[0].status).toBe('pending')
    expect(tagged.currentStage).toBeNull()
    expect(state(dir).stages[0].status).toBe('in_progress')
    expect(state(dir).currentStage).toBe('S1')
    // The sidecar names the tagged commit.
    expect(read(dir, '.checkpoints/git-ref-stage-1.txt')).toBe(`${data.commit}\n`)

    storyCommit(dir, {
      id: 'S1-US-001',
      prdId: 'US-001',
      message: 'feat(S1-US-001): Scaffold the app',
      files: { 'src/app.ts': 'export const app = 1\n' },
    })
    const storyDiff = sh(dir, 'git', 'show', '--format=', 'HEAD', '--', 'master-project.json')
    expect(storyDiff).not.toContain('in_progress')
    expect(storyDiff).not.toContain('currentStage')

    // The new commit is neither a story nor a checkpoint of its own.
    const list = JSON.parse(cpo(dir, ['--json', 'checkpoint', 'list']).stdout).data.checkpoints
    expect(list.map((c: any) => `${c.kind} ${c.name}`)).toEqual([
      'project-initialized project-initialized',
      'stage-start stage-1-start',
      'story S1-US-001',
    ])

    // The seed's manual recipe and cpo's rollback agree on the code and on S1's state.
    const manual = copyOf(dir)
    sh(manual, 'git', 'reset', '-q', '--hard', 'checkpoint/stage-1-start')
    ok(dir, ['rollback', 'stage', 'S1', '--reason', 'start over'])
    expect(filesAt(dir, 'HEAD')).toEqual(filesAt(manual, 'HEAD'))
    expect(fs.existsSync(path.join(dir, 'src/app.ts'))).toBe(false)
    expect(fs.existsSync(path.join(manual, 'src/app.ts'))).toBe(false)
    for (const d of [dir, manual]) {
      expect(state(d).stages[0].status).toBe('pending')
      expect(state(d).currentStage).toBeNull()
    }
  })
})
