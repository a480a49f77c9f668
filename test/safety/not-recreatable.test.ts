import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, makeRepo, sh, writeFiles } from '../helpers/repo.js'

/**
 * A clean file can still hold what git cannot give back: bytes its clean filter drops, or
 * permission bits no tree keeps. A restore that removes or overwrites such a file keeps those
 * in a snapshot it names, like a file saved while it ran.
 */
function ok(dir: string, args: string[]) {
  const r = cpo(dir, ['--json', ...args])
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.json.data
}

const gc = (dir: string) => sh(dir, 'git', 'gc', '-q', '--prune=now')

describe('what git cannot recreate is captured before a restore destroys it', () => {
  it('a clean notebook whose outputs the clean filter drops', () => {
    // The attributes stay through the restore: only the filter's loss makes the capture.
    const dir = makeRepo({ 'README.md': '# demo\n', '.gitattributes': '*.ipynb filter=strip\n' })
    sh(dir, 'git', 'config', 'filter.strip.clean', "sed -e '/^output:/d'")
    sh(dir, 'git', 'config', 'filter.strip.smudge', 'cat')
    const empty = ok(dir, ['snapshot']).snapshot.id
    writeFiles(dir, { 'nb.ipynb': 'cell: 1\n' })
    commitAll(dir, 'notebook')
    // The notebook is run: outputs on disk, and git calls it clean (its filter drops them).
    const run = 'cell: 1\noutput: 42\n'
    writeFiles(dir, { 'nb.ipynb': run })
    sh(dir, 'git', 'add', 'nb.ipynb')
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')

    const d = ok(dir, ['snapshot', 'restore', empty])
    expect(fs.existsSync(path.join(dir, 'nb.ipynb'))).toBe(false)
    const [round] = d.changedDuring
    expect(round.paths).toContain('nb.ipynb')
    gc(dir)
    ok(dir, ['snapshot', 'restore', round.snapshot, '--paths', 'nb.ipynb'])
    expect(fs.readFileSync(path.join(dir, 'nb.ipynb'), 'utf8')).toBe(run)
  })

  it('line endings git converts and gives back are not captured', () => {
    const dir = makeRepo({ 'README.md': '# demo\n', '.gitattributes': '*.txt text eol=crlf\n' })
    const empty = ok(dir, ['snapshot']).snapshot.id
    writeFiles(dir, { 'notes.txt': 'a\nb\n' })
    commitAll(dir, 'notes')
    fs.rmSync(path.join(dir, 'notes.txt'))
    sh(dir, 'git', 'checkout', '--', 'notes.txt')
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('a\r\nb\r\n')
    const d = ok(dir, ['snapshot', 'restore', empty])
    expect(d.changedDuring).toEqual([])
  })

  it('a committed key at 0600: its bits are kept in a snapshot, never lost', () => {
    const dir = makeRepo({ 'README.md': '# demo\n' })
    const empty = ok(dir, ['snapshot']).snapshot.id
    writeFiles(dir, { 'deploy.key': 'PRIVATE\n', 'plain.txt': 'plain\n' })
    commitAll(dir, 'key')
    fs.chmodSync(path.join(dir, 'deploy.key'), 0o600)

    const d = ok(dir, ['snapshot', 'restore', empty])
    expect(fs.existsSync(path.join(dir, 'deploy.key'))).toBe(false)
    // Only the file whose bits git would not give back is captured.
    expect(d.changedDuring.flatMap((r: any) => r.paths)).toEqual(['deploy.key'])
    gc(dir)
    ok(dir, ['snapshot', 'restore', d.changedDuring[0].snapshot, '--paths', 'deploy.key'])
    expect(fs.statSync(path.join(dir, 'deploy.key')).mode & 0o777).toBe(0o600)
    expect(fs.readFileSync(path.join(dir, 'deploy.key'), 'utf8')).toBe('PRIVATE\n')
  })
})
