import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpoTraced } from '../helpers/git-trace.js'
import { commitAll, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'

/** A snapshot of `dir`, and the argv of every git process it ran. */
function snapshot(
  dir: string,
  env: Record<string, string> = {},
): { id: string; argvs: string[][] } {
  const { r, argvs } = cpoTraced(dir, ['snapshot', '--json'], env)
  expect(r.code, r.stderr).toBe(0)
  return { id: r.json.data.snapshot.id, argvs }
}
const blobAt = (dir: string, id: string, file: string) =>
  sh(dir, 'git', 'cat-file', 'blob', `refs/cpo/snapshots/${id}:${file}`)
const checkAttr = (argvs: string[][]) => argvs.some((a) => a[1] === 'check-attr')
/** No global or system attributes file can apply. */
const isolated = () => ({ HOME: tempDir(), XDG_CONFIG_HOME: '', GIT_ATTR_NOSYSTEM: '1' })

/** A clean filter that drops every line with "secret": `git add` would lose those bytes. */
function lossyFilter(dir: string): void {
  sh(dir, 'git', 'config', 'filter.lossy.clean', "sed '/secret/d'")
  sh(dir, 'git', 'config', 'filter.lossy.smudge', 'cat')
}

describe('check-attr runs only when some attributes can apply', () => {
  it('no attributes anywhere: no check-attr process, and the snapshot holds the bytes on disk', () => {
    const dir = makeRepo({ 'src/a.txt': 'one\n' })
    writeFiles(dir, { 'src/a.txt': 'one\r\ntwo\r\n', 'src/new.txt': 'new\n' })
    const { id, argvs } = snapshot(dir, isolated())
    expect(checkAttr(argvs)).toBe(false)
    expect(blobAt(dir, id, 'src/a.txt')).toBe('one\r\ntwo\r\n')
    expect(blobAt(dir, id, 'src/new.txt')).toBe('new\n')
  })

  it('an ignored .gitattributes on the way to a changed file still makes it go in raw', () => {
    const dir = makeRepo({ '.gitignore': '.gitattributes\n', 'sub/a.txt': 'public\n' })
    lossyFilter(dir)
    writeFiles(dir, { 'sub/.gitattributes': '*.txt filter=lossy\n' })
    writeFiles(dir, { 'sub/a.txt': 'public\nsecret line\n' })
    const { id, argvs } = snapshot(dir, isolated())
    expect(checkAttr(argvs)).toBe(true)
    expect(blobAt(dir, id, 'sub/a.txt')).toBe('public\nsecret line\n')
  })

  it('info/attributes, a tracked .gitattributes and core.attributesFile each count', () => {
    const dir = makeRepo({ 'a.txt': 'public\n', 'deep/b.txt': 'public\n' })
    lossyFilter(dir)
    // info/attributes
    fs.writeFileSync(path.join(dir, '.git/info/attributes'), 'a.txt filter=lossy\n')
    writeFiles(dir, { 'a.txt': 'public\nsecret a\n' })
    let shot = snapshot(dir, isolated())
    expect(blobAt(dir, shot.id, 'a.txt')).toBe('public\nsecret a\n')
    fs.rmSync(path.join(dir, '.git/info/attributes'))
    // a tracked .gitattributes, whose file is gone from disk (git reads the index's copy)
    writeFiles(dir, { 'deep/.gitattributes': 'b.txt filter=lossy\n' })
    commitAll(dir, 'attributes')
    fs.rmSync(path.join(dir, 'deep/.gitattributes'))
    writeFiles(dir, { 'deep/b.txt': 'public\nsecret b\n' })
    shot = snapshot(dir, isolated())
    expect(checkAttr(shot.argvs)).toBe(true)
    expect(blobAt(dir, shot.id, 'deep/b.txt')).toBe('public\nsecret b\n')
    sh(dir, 'git', 'checkout', '-q', '--', 'deep/.gitattributes', 'deep/b.txt')
    sh(dir, 'git', 'rm', '-q', 'deep/.gitattributes')
    commitAll(dir, 'no attributes')
    // core.attributesFile
    const file = path.join(tempDir(), 'attributes')
    fs.writeFileSync(file, 'a.txt filter=lossy\n')
    sh(dir, 'git', 'config', 'core.attributesFile', file)
    writeFiles(dir, { 'a.txt': 'public\nsecret c\n' })
    shot = snapshot(dir, isolated())
    expect(blobAt(dir, shot.id, 'a.txt')).toBe('public\nsecret c\n')
  })
})
