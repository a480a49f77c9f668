import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, fingerprint, sh, writeFiles } from '../helpers/repo.js'
import { ok, read, rev, state, status, subject, twoStories } from './skill.js'

const story = (dir: string, id: string) =>
  state(dir)
    .stages.flatMap((s: any) => s.stories)
    .find((s: any) => s.id === id)
const prdStory = (dir: string, id: string) =>
  JSON.parse(read(dir, 'prd.json')).userStories.find((s: any) => s.id === id)

describe('rollback story in the skill flow (each story commit flips its own passes flag)', () => {
  it('reverts the code of the story only and rewrites the state files from today', () => {
    const dir = twoStories()
    const head = rev(dir, 'HEAD')
    const r = cpo(dir, ['--json', 'rollback', 'story', 'S1-US-001', '--reason', 'wrong scaffold'])
    expect(r.code, r.stderr).toBe(0)

    // The code of US-001 is gone, US-002's stays; two commits on top, history kept.
    expect(fs.existsSync(path.join(dir, 'src/app.ts'))).toBe(false)
    expect(read(dir, 'src/ci.ts')).toBe('export const ci = true\n')
    expect(subject(dir)).toBe('rollback(story-S1-US-001): wrong scaffold')
    expect(subject(dir, 'HEAD^')).toBe('Revert "feat(S1-US-001): Scaffold the app"')
    expect(rev(dir, 'HEAD~2')).toBe(head)
    expect(status(dir)).toBe('')

    // State: today's file, the story not passing and not completed, the stage still running.
    expect(story(dir, 'S1-US-001')).toMatchObject({ passes: false, completedAt: null })
    expect(story(dir, 'S1-US-002')).toMatchObject({ passes: true })
    expect(story(dir, 'S1-US-002').completedAt).not.toBeNull()
    expect(state(dir).stages[0].status).toBe('in_progress')
    expect(state(dir).currentStage).toBe('S1')
    expect(prdStory(dir, 'US-001')).toMatchObject({ passes: false, completedAt: null })
    expect(prdStory(dir, 'US-002')).toMatchObject({ passes: true })
    expect(read(dir, 'cpo-progress.md')).toContain('story-S1-US-001')
    // The committed files are the ones on disk.
    expect(sh(dir, 'git', 'show', 'HEAD:master-project.json')).toBe(
      read(dir, 'master-project.json'),
    )

    // The stage goes on: it is still in progress, so it completes.
    ok(dir, ['stage', 'complete', 'S1', '--skip-verify'])
    expect(state(dir).stages[0].status).toBe('tested')
  })

  it('sets uncommitted changes to tracked files aside instead of refusing; untracked files stay', () => {
    const dir = twoStories()
    writeFiles(dir, { 'README.md': '# pantry\nhalf-written notes\n', 'notes.txt': 'mine\n' })
    const r = cpo(dir, ['--json', 'rollback', 'story', 'S1-US-001', '--reason', 'redo'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.setAside).toEqual(['README.md'])
    expect(read(dir, 'README.md')).toBe('# pantry\n')
    expect(read(dir, 'notes.txt')).toBe('mine\n')
    expect(status(dir)).toBe('?? notes.txt\n')
    // The change is in the before-snapshot, and the command to get it back works.
    const before = r.json.data.before.ref as string
    expect(sh(dir, 'git', 'show', `${before}:README.md`)).toBe('# pantry\nhalf-written notes\n')
    expect(r.json.data.recovery.paths).toBe(
      `cpo snapshot restore ${r.json.data.before.id} --paths README.md`,
    )
    ok(dir, ['snapshot', 'restore', r.json.data.before.id, '--paths', 'README.md'])
    expect(read(dir, 'README.md')).toBe('# pantry\nhalf-written notes\n')
    expect(fs.existsSync(path.join(dir, 'src/app.ts'))).toBe(false)
  })

  it('a conflict in real code stops with nothing changed and names only the code files', () => {
    const dir = twoStories()
    // A later story builds on US-001's file.
    writeFiles(dir, { 'src/app.ts': 'export const app = 2 // builds on it\n' })
    commitAll(dir, 'feat(S1-US-002): Add CI, part 2')
    const before = fingerprint(dir)
    const r = cpo(dir, ['--json', 'rollback', 'story', 'S1-US-001', '--reason', 'x'])
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('REVERT_CONFLICT')
    expect(r.json.error?.message).toContain('conflicts in: src/app.ts;')
    expect(r.json.error?.message).not.toContain('master-project.json')
    expect(fingerprint(dir)).toEqual(before)
  })
})
