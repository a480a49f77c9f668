import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { OPERATION_FAILPOINTS } from '../../src/adapters/failpoint.js'
import { cpo, fingerprint, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { read, rev, state, storyDeletingConfig, subject } from './build.js'

const SECRET = 'db=prod\npassword=hunter2\n'

describe('rollback story writes its commits with plumbing', () => {
  it('refuses to overwrite an ignored file the revert brings back, then succeeds once it is moved', () => {
    const dir = storyDeletingConfig()
    // The user keeps a local config with a password, and ignores it.
    writeFiles(dir, { 'config.local': SECRET })
    fs.appendFileSync(path.join(dir, '.git/info/exclude'), 'config.local\n')
    const before = fingerprint(dir)

    const r = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--reason', 'x'])
    expect(r.code, r.stderr).toBe(4)
    expect(r.json.error?.code).toBe('UNCAPTURED_FILES_IN_THE_WAY')
    expect(r.json.error?.message).toContain('config.local')
    expect(r.json.error?.hint).toBeTruthy()
    expect(read(dir, 'config.local')).toBe(SECRET)
    expect(fingerprint(dir)).toEqual(before)
    expect(cpo(dir, ['--json', 'status']).json.data.pendingRecovery).toEqual([])

    // Moved out of the way (an untracked file now): the rollback runs and leaves it alone.
    fs.renameSync(path.join(dir, 'config.local'), path.join(dir, 'config.local.mine'))
    const moved = fingerprint(dir)
    const ok = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--reason', 'x'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(read(dir, 'config.local')).toBe('db=localhost\n')
    expect(read(dir, 'config.local.mine')).toBe(SECRET)
    expect(fs.existsSync(path.join(dir, 'src/list-recipes.ts'))).toBe(false)
    expect(subject(dir, 'HEAD^')).toBe(
      'Revert "feat(S2-US-002): List recipes, config.local no longer tracked"',
    )
    expect(sh(dir, 'git', 'log', '-1', '--format=%B', 'HEAD^')).toContain(
      `This reverts commit ${rev(dir, 'HEAD~2')}.`,
    )
    expect(sh(dir, 'git', 'ls-files', '--', 'config.local').trim()).toBe('config.local')
    expect(state(dir).stages[1].stories[1].passes).toBe(false)
    // Index and work tree are the rollback commit's; the untracked file is still untracked.
    expect(sh(dir, 'git', 'status', '--porcelain', '--untracked-files=all')).toBe(
      '?? config.local.mine\n',
    )
    // The story is reverted already: a second rollback finds nothing to revert.
    const again = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--reason', 'x'])
    expect(again.json.error?.code).toBe('STORY_COMMITS_NOT_FOUND')

    // Nothing the rollback wrote depends on an unreferenced object.
    sh(dir, 'git', 'gc', '-q', '--prune=now')
    expect(sh(dir, 'git', 'fsck', '--connectivity-only', '--no-dangling').trim()).toBe('')
    expect(rev(dir, 'HEAD^')).toBe(ok.json.data.reverts[0])

    expect(cpo(dir, ['undo']).code).toBe(0)
    expect(fingerprint(dir)).toEqual(moved)
  })

  it('refuses an untracked file where the revert brings a path back; nothing changes', () => {
    const dir = storyDeletingConfig()
    writeFiles(dir, { 'config.local': SECRET, 'notes.txt': 'kept\n' })
    const before = fingerprint(dir)
    const r = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--reason', 'x'])
    expect(r.code, r.stderr).toBe(4)
    expect(r.json.error?.code).toBe('UNTRACKED_FILES_IN_THE_WAY')
    expect(r.json.error?.message).toContain('config.local')
    expect(r.json.error?.hint).toContain('cpo rollback story S2-US-002')
    expect(fingerprint(dir)).toEqual(before)
    expect(cpo(dir, ['--json', 'status']).json.data.pendingRecovery).toEqual([])
  })

  for (const where of ['.git/hooks', 'core.hooksPath']) {
    it(`runs no hook (${where})`, () => {
      const dir = storyDeletingConfig()
      const hooks = where === '.git/hooks' ? path.join(dir, '.git', 'hooks') : tempDir()
      if (where === 'core.hooksPath') sh(dir, 'git', 'config', 'core.hooksPath', hooks)
      const marker = path.join(tempDir(), 'hooks-ran')
      for (const name of ['pre-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit']) {
        const file = path.join(hooks, name)
        fs.writeFileSync(file, `#!/bin/sh\necho ${name} >> '${marker}'\nexit 0\n`)
        fs.chmodSync(file, 0o755)
      }
      // The hooks work: a plain git commit runs them.
      sh(dir, 'git', 'commit', '-q', '--allow-empty', '-m', 'chore: hooks installed')
      expect(read(path.dirname(marker), 'hooks-ran')).toContain('post-commit')
      fs.rmSync(marker)
      const before = fingerprint(dir)

      const r = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--reason', 'x'])
      expect(r.code, r.stderr).toBe(0)
      expect(fs.existsSync(marker)).toBe(false)
      expect(subject(dir)).toBe('rollback(story-S2-US-002): x')
      expect(cpo(dir, ['undo']).code).toBe(0)
      expect(fingerprint(dir)).toEqual(before)
      expect(fs.existsSync(marker)).toBe(false)
    })
  }
})

describe('rollback story crash', () => {
  // The restore's own points: a story rollback ends in one restore, like every rollback. (The
  // protocol's points are the same for every operation; story-crash.test.ts crashes at each.)
  for (const point of OPERATION_FAILPOINTS.filter((p) => p.startsWith('restore-'))) {
    it(`killed at ${point}: cpo recover loses nothing`, () => {
      const dir = storyDeletingConfig()
      writeFiles(dir, { 'notes.txt': 'untracked\n', 'debug.log': 'ignored\n' })
      const before = fingerprint(dir)
      const crashed = cpo(dir, ['rollback', 'story', 'S2-US-002', '--reason', 'x'], {
        CPO_FAULT: point,
      })
      expect(crashed.signal).toBe('SIGKILL')
      const recovered = cpo(dir, ['--json', 'recover'])
      expect(recovered.code, recovered.stderr).toBe(0)
      expect(fingerprint(dir)).toEqual(before)
      const again = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--reason', 'x'])
      expect(again.code, again.stderr).toBe(0)
      expect(read(dir, 'notes.txt')).toBe('untracked\n')
    })
  }
})
