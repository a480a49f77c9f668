import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, writeFiles } from '../helpers/repo.js'
import { fixtureText, ok, skillRepo } from './skill.js'

const PACKAGE = `${JSON.stringify({ name: 'pantry', version: '1.0.0', private: true }, null, 2)}\n`
const LOCK = `${JSON.stringify({ name: 'pantry', version: '1.0.0', lockfileVersion: 2, requires: true, packages: { '': { name: 'pantry', version: '1.0.0' } } }, null, 2)}\n`

/** A project whose stage S1 adds `files` in one story commit, then is rolled back. */
function rolledBack(before: Record<string, string>, story: Record<string, string>) {
  const dir = skillRepo(fixtureText('template-after-planning.json'), before)
  ok(dir, ['stage', 'start', 'S1'])
  writeFiles(dir, story)
  commitAll(dir, 'feat(S1-US-001): Scaffold the app')
  const r = cpo(dir, ['--json', 'rollback', 'stage', 'S1', '--reason', 'start over'])
  return { dir, r }
}

describe('the install after a rollback comes from the target', () => {
  it('runs nothing when the target has no package.json', () => {
    const { dir, r } = rolledBack({}, { 'package.json': PACKAGE, 'package-lock.json': LOCK })
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.dependencies).toMatchObject({ differ: true, install: null })
    expect(r.json.data.after.install).toEqual({
      ran: false,
      why: 'the target has no package.json',
    })
    expect(fs.existsSync(path.join(dir, 'package.json'))).toBe(false)
  })

  it('runs npm install, not npm ci, when the target has a package.json but no lockfile', () => {
    const { dir, r } = rolledBack({ 'package.json': PACKAGE }, { 'package-lock.json': LOCK })
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.dependencies.install).toBe('npm install')
    expect(r.json.data.after.install).toMatchObject({
      ran: true,
      command: 'npm install',
      exitCode: 0,
      ok: true,
    })
    // npm really ran: the story's lockfile (version 2) went with the rollback, and npm wrote
    // its own for the target's package.json.
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'))
    expect(lock).toMatchObject({ name: 'pantry', lockfileVersion: 3 })
  })
})
