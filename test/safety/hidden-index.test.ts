import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, makeRepo, sh, writeFiles } from '../helpers/repo.js'

function ok(dir: string, args: string[]) {
  const r = cpo(dir, ['--json', ...args])
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.json.data
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8')
const gc = (dir: string) => sh(dir, 'git', 'gc', '-q', '--prune=now')
/** `git ls-files -v -s` for one path: tag (S, h, H …), mode, blob. */
const entry = (dir: string, file: string) =>
  sh(dir, 'git', 'ls-files', '-v', '-s', '--', file).trim()
const blob = (dir: string, rev: string, file: string) =>
  sh(dir, 'git', 'rev-parse', `${rev}:${file}`).trim()

const LOCAL = '[db]\npassword = hunter2-local-only\n'

describe('index bits that hide work-tree state', () => {
  it('skip-worktree: a restore leaves the local edit alone and keeps the bit; undo too', () => {
    const dir = makeRepo({ 'config.ini': '[db]\npassword = change-me\n', 'app.js': 'v1\n' })
    const first = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    const old = ok(dir, ['snapshot']).snapshot.id
    writeFiles(dir, { 'config.ini': '[db]\npassword = still-change-me\n', 'app.js': 'v2\n' })
    const second = commitAll(dir, 'v2')
    sh(dir, 'git', 'update-index', '--skip-worktree', 'config.ini')
    writeFiles(dir, { 'config.ini': LOCAL })
    gc(dir)

    const restore = ok(dir, ['snapshot', 'restore', old])
    expect(read(dir, 'app.js')).toBe('v1\n')
    expect(read(dir, 'config.ini')).toBe(LOCAL)
    expect(entry(dir, 'config.ini')).toBe(
      `S 100644 ${blob(dir, first, 'config.ini')} 0\tconfig.ini`,
    )
    gc(dir)

    ok(dir, ['undo', restore.opId])
    expect(sh(dir, 'git', 'rev-parse', 'HEAD').trim()).toBe(second)
    expect(read(dir, 'config.ini')).toBe(LOCAL)
    expect(entry(dir, 'config.ini')).toBe(
      `S 100644 ${blob(dir, second, 'config.ini')} 0\tconfig.ini`,
    )

    // A checkpoint commits what `git add -A` would: never the hidden local edit.
    writeFiles(dir, { 'app.js': 'v3\n' })
    ok(dir, ['checkpoint', 'create', 'cp1', '-m', 'msg'])
    expect(sh(dir, 'git', 'show', 'HEAD:config.ini')).toBe('[db]\npassword = still-change-me\n')
    expect(sh(dir, 'git', 'show', 'HEAD:app.js')).toBe('v3\n')
    expect(entry(dir, 'config.ini')).toMatch(/^S /)
    expect(read(dir, 'config.ini')).toBe(LOCAL)
  })

  it('assume-unchanged: an overwritten local edit comes back with its bit on undo', () => {
    const dir = makeRepo({ 'settings.local': 'debug = false\n', 'app.js': 'v1\n' })
    const old = ok(dir, ['snapshot']).snapshot.id
    writeFiles(dir, { 'settings.local': 'debug = false\nshared = 2\n', 'app.js': 'v2\n' })
    const second = commitAll(dir, 'v2')
    sh(dir, 'git', 'update-index', '--assume-unchanged', 'settings.local')
    writeFiles(dir, { 'settings.local': 'debug = true\ntoken = abc\n' })
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('') // hidden from git status

    const restore = ok(dir, ['snapshot', 'restore', old])
    expect(read(dir, 'settings.local')).toBe('debug = false\n')
    expect(entry(dir, 'settings.local')).toMatch(/^h /)
    gc(dir)

    ok(dir, ['undo', restore.opId])
    expect(read(dir, 'settings.local')).toBe('debug = true\ntoken = abc\n')
    expect(entry(dir, 'settings.local')).toBe(
      `h 100644 ${blob(dir, second, 'settings.local')} 0\tsettings.local`,
    )
  })

  it('sparse-checkout: files outside the cone stay off disk and keep their S bit', () => {
    const dir = makeRepo({
      'app/main.ts': 'v1\n',
      'docs/guide.md': 'v1\n',
      'docs/deep/x.md': 'x1\n',
    })
    const first = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    const old = ok(dir, ['snapshot']).snapshot.id
    writeFiles(dir, { 'app/main.ts': 'v2\n', 'docs/guide.md': 'v2\n', 'docs/deep/x.md': 'x2\n' })
    const second = commitAll(dir, 'v2')
    sh(dir, 'git', 'sparse-checkout', 'set', '--cone', 'app')
    expect(fs.existsSync(path.join(dir, 'docs'))).toBe(false)
    writeFiles(dir, { 'app/wip.ts': 'untracked work\n' })

    const restore = ok(dir, ['snapshot', 'restore', old])
    expect(read(dir, 'app/main.ts')).toBe('v1\n')
    expect(fs.existsSync(path.join(dir, 'docs'))).toBe(false)
    expect(entry(dir, 'docs/guide.md')).toBe(
      `S 100644 ${blob(dir, first, 'docs/guide.md')} 0\tdocs/guide.md`,
    )
    expect(entry(dir, 'docs/deep/x.md')).toMatch(/^S /)
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    gc(dir)

    ok(dir, ['undo', restore.opId])
    expect(read(dir, 'app/main.ts')).toBe('v2\n')
    expect(read(dir, 'app/wip.ts')).toBe('untracked work\n')
    expect(fs.existsSync(path.join(dir, 'docs'))).toBe(false)
    expect(entry(dir, 'docs/guide.md')).toBe(
      `S 100644 ${blob(dir, second, 'docs/guide.md')} 0\tdocs/guide.md`,
    )
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('?? app/wip.ts\n')
  })
})
