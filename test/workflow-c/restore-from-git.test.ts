import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { commitAll, cpo, keep, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/projects/mid-execution.json')

/**
 * The disaster case: only the remote survived. A bare remote whose default branch is `trunk`
 * (not main, so the test proves the remote's HEAD is followed), two checkpoints, and two story
 * commits pushed after the newest one, the way an agent works between checkpoints.
 */
let remote: string
let tip: string
let stage2: string
beforeAll(() => {
  const work = keep(makeRepo({ 'master-project.json': fs.readFileSync(FIXTURE, 'utf8') }))
  sh(work, 'git', 'branch', '-m', 'trunk')
  sh(work, 'git', 'tag', '-a', 'checkpoint/stage-1-complete', '-m', '{"stage":"S1"}')
  writeFiles(work, { 'src/budget.ts': 'export const budget = 1\n' })
  stage2 = commitAll(work, 'feat(stage-2): budgets')
  // Tag dates have one-second resolution: stage-1 is dated a day earlier so "newest" is clear.
  execFileSync(
    'git',
    ['tag', '-f', '-a', 'checkpoint/stage-1-complete', '-m', '{"stage":"S1"}', 'HEAD~1'],
    { cwd: work, env: { ...process.env, GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z' } },
  )
  sh(work, 'git', 'tag', '-a', 'checkpoint/stage-2-complete', '-m', '{"stage":"S2"}')
  writeFiles(work, { 'src/split.ts': 'export const split = 2\n' })
  commitAll(work, 'feat(S3-US-001): split bills')
  writeFiles(work, { 'src/split.ts': 'export const split = 3\n' })
  tip = commitAll(work, 'feat(S3-US-002): split evenly')
  remote = keep(tempDir('cpo-remote-'))
  sh(remote, 'git', 'init', '-q', '--bare', '-b', 'trunk')
  sh(work, 'git', 'push', '-q', remote, 'trunk', '--follow-tags')
  sh(work, 'git', 'push', '-q', remote, 'refs/tags/*:refs/tags/*')
})

describe('cpo restore --from-git', () => {
  it('restores the default branch tip on a local branch tracking it, naming the newest checkpoint and how far behind it is', () => {
    const dir = path.join(tempDir(), 'restored')
    const r = cpo(tempDir(), ['--json', 'restore', '--from-git', remote, dir])
    expect(r.code).toBe(0)
    // The real state: HEAD on a local `trunk` at the remote's tip, tracking origin/trunk.
    expect(sh(dir, 'git', 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/trunk')
    expect(sh(dir, 'git', 'rev-parse', 'HEAD').trim()).toBe(tip)
    expect(sh(dir, 'git', 'rev-parse', '--abbrev-ref', 'trunk@{upstream}').trim()).toBe(
      'origin/trunk',
    )
    expect(fs.readFileSync(path.join(dir, 'src/split.ts'), 'utf8')).toBe('export const split = 3\n')
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    // The report names the newest checkpoint and the two commits made since it.
    expect(r.json.data.defaultBranch).toEqual({ name: 'trunk', commit: tip })
    expect(r.json.data.branch).toBe('trunk')
    expect(r.json.data.checkpoint).toBeNull()
    expect(r.json.data.newestCheckpoint).toMatchObject({
      name: 'stage-2-complete',
      commit: stage2,
    })
    expect(r.json.data.sinceNewest).toEqual({ ahead: 2, notOnDefault: 0 })

    const text = cpo(tempDir(), ['restore', '--from-git', remote, path.join(tempDir(), 't')])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('on branch trunk')
    expect(text.stdout).toContain('2 commit(s) ahead of the newest checkpoint stage-2-complete')
  })

  it('--checkpoint checks the checkpoint out on restored/<name>, with the default branch still there at its tip', () => {
    const dir = path.join(tempDir(), 'at-stage-1')
    const r = cpo(tempDir(), [
      '--json',
      'restore',
      '--from-git',
      remote,
      dir,
      '--checkpoint',
      'checkpoint/stage-1-complete',
    ])
    expect(r.code).toBe(0)
    const stage1 = sh(remote, 'git', 'rev-parse', 'checkpoint/stage-1-complete^{commit}').trim()
    expect(sh(dir, 'git', 'symbolic-ref', 'HEAD').trim()).toBe(
      'refs/heads/restored/stage-1-complete',
    )
    expect(sh(dir, 'git', 'rev-parse', 'HEAD').trim()).toBe(stage1)
    expect(fs.existsSync(path.join(dir, 'src/budget.ts'))).toBe(false)
    expect(sh(dir, 'git', 'rev-parse', 'refs/heads/trunk').trim()).toBe(tip)
    expect(sh(dir, 'git', 'rev-parse', '--abbrev-ref', 'trunk@{upstream}').trim()).toBe(
      'origin/trunk',
    )
    expect(r.json.data.branch).toBe('restored/stage-1-complete')
    expect(r.json.data.checkpoint.name).toBe('stage-1-complete')
    expect(r.json.data.defaultBranch).toEqual({ name: 'trunk', commit: tip })
  })
  it('an unknown --checkpoint is refused with the real names, newest first, and nothing left behind', () => {
    const dir = path.join(tempDir(), 'nope')
    const r = cpo(tempDir(), ['--json', 'restore', '--from-git', remote, dir, '--checkpoint', 'x'])
    expect(r.code).toBe(3)
    expect(r.json.error?.code).toBe('CHECKPOINT_NOT_FOUND')
    expect(r.json.error?.hint).toContain('newest first: stage-2-complete, stage-1-complete')
    expect(fs.existsSync(dir)).toBe(false)
  })
})
