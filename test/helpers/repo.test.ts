import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isKept, keep, makeRepo, sh, tempDir } from './repo.js'

/** Every entry of `.git` with its type and mode, and the bytes of each file. */
function gitDir(dir: string): Record<string, string> {
  const listing = execFileSync('find', ['.', '-printf', '%y %m %p\\n'], {
    cwd: `${dir}/.git`,
    encoding: 'utf8',
  })
  const out: Record<string, string> = {}
  for (const line of listing.trim().split('\n').sort()) {
    const [type, mode, name] = line.split(' ') as [string, string, string]
    out[name] =
      `${type} ${mode}${type === 'f' ? ` ${fs.readFileSync(`${dir}/.git/${name}`, 'hex')}` : ''}`
  }
  return out
}

describe('test helpers', () => {
  it('makeRepo({}) is the repository `git init` and the test config write', () => {
    makeRepo() // the second call copies what the first one initialized
    const copied = makeRepo({})
    const fresh = tempDir()
    sh(fresh, 'git', 'init', '-q', '-b', 'main')
    sh(fresh, 'git', 'config', 'user.email', 'dev@example.com')
    sh(fresh, 'git', 'config', 'user.name', 'Dev')
    sh(fresh, 'git', 'config', 'gc.auto', '0')
    sh(fresh, 'git', 'config', 'core.autocrlf', 'false')
    expect(gitDir(copied)).toEqual(gitDir(fresh))
    expect(sh(copied, 'git', 'status', '--porcelain', '--branch')).toBe(
      '## No commits yet on main\n',
    )
  })

  let previous: { made: string; kept: string } | undefined
  it('a test makes a temp dir and keeps another', () => {
    previous = { made: tempDir(), kept: keep(tempDir()) }
    expect(isKept(previous.kept)).toBe(true)
  })

  it('the next test finds the first removed (setup file hooks) and the kept one there', () => {
    expect(previous).toBeDefined()
    expect(fs.existsSync(previous?.made as string)).toBe(false)
    expect(fs.existsSync(previous?.kept as string)).toBe(true)
  })
})
