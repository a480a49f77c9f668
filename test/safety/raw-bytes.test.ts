import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, fingerprint, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'

function ok(dir: string, args: string[]) {
  const r = cpo(dir, ['--json', ...args])
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.json.data
}

const snapshot = (dir: string): string => ok(dir, ['snapshot']).snapshot.id
const bytes = (dir: string, file: string) => fs.readFileSync(path.join(dir, file))
const gc = (dir: string) => sh(dir, 'git', 'gc', '-q', '--prune=now')

/** nbstripout's idea in one line: the clean filter drops every `output:` line. */
function withLossyFilter(dir: string): void {
  sh(dir, 'git', 'config', 'filter.strip.clean', "sed -e '/^output:/d'")
  sh(dir, 'git', 'config', 'filter.strip.smudge', 'cat')
  writeFiles(dir, { '.gitattributes': '*.ipynb filter=strip\n' })
  commitAll(dir, 'strip notebook outputs')
}

describe('snapshots hold the bytes on disk, not what git filters would make of them', () => {
  it('core.autocrlf=true: untracked LF scripts (odd names too) come back LF, also after gc', () => {
    const dir = makeRepo({ 'README.md': '# demo\n' })
    sh(dir, 'git', 'config', 'core.autocrlf', 'true')
    const scripts = ['run.sh', 'line\nbreak.sh', '"quoted.sh', 'ends-in-cr.sh\r']
    writeFiles(dir, Object.fromEntries(scripts.map((s) => [s, '#!/bin/sh\necho "$0"\n'])))
    for (const s of scripts) fs.chmodSync(path.join(dir, s), 0o755)
    const at = fingerprint(dir)
    const id = snapshot(dir)
    for (const s of scripts) fs.rmSync(path.join(dir, s))
    gc(dir)

    ok(dir, ['snapshot', 'restore', id])
    for (const s of scripts) expect(bytes(dir, s).toString()).toBe('#!/bin/sh\necho "$0"\n')
    expect(fingerprint(dir)).toEqual(at)
    expect(sh(dir, 'sh', './run.sh')).toBe('./run.sh\n') // not `sh: 2: Syntax error: "\r"`
  })

  it('text=auto: an uncommitted CRLF file keeps its CRs through a restore and its undo', () => {
    const dir = makeRepo({ '.gitattributes': '* text=auto\n', 'notes.txt': 'one\ntwo\n' })
    writeFiles(dir, { 'notes.txt': 'one\r\ntwo\r\nthree\r\n', 'new.txt': 'crlf\r\nnew\r\n' })
    const at = fingerprint(dir)
    const id = snapshot(dir)
    writeFiles(dir, { 'notes.txt': 'rewritten\n' })
    fs.rmSync(path.join(dir, 'new.txt'))
    const changed = fingerprint(dir)
    gc(dir)

    ok(dir, ['snapshot', 'restore', id])
    expect(bytes(dir, 'notes.txt').toString()).toBe('one\r\ntwo\r\nthree\r\n')
    expect(bytes(dir, 'new.txt').toString()).toBe('crlf\r\nnew\r\n')
    expect(fingerprint(dir)).toEqual(at)
    ok(dir, ['undo'])
    expect(fingerprint(dir)).toEqual(changed)
  })

  it('a lossy clean filter: restore brings back what it drops; a checkpoint commits it filtered, like git add', () => {
    const dir = makeRepo({ 'nb.ipynb': 'cell: 1\n' })
    withLossyFilter(dir)
    writeFiles(dir, {
      'nb.ipynb': 'cell: 1\noutput: a plot\ncell: 2\noutput: 42\n',
      'fresh.ipynb': 'cell: x\noutput: only here\n',
    })
    const at = fingerprint(dir)
    const id = snapshot(dir)
    sh(dir, 'git', 'checkout', '--', 'nb.ipynb')
    fs.rmSync(path.join(dir, 'fresh.ipynb'))
    gc(dir)

    ok(dir, ['snapshot', 'restore', id])
    expect(bytes(dir, 'nb.ipynb').toString()).toBe('cell: 1\noutput: a plot\ncell: 2\noutput: 42\n')
    expect(bytes(dir, 'fresh.ipynb').toString()).toBe('cell: x\noutput: only here\n')
    expect(fingerprint(dir)).toEqual(at)

    // The checkpoint commits what `git add -A && git commit` would: the filtered notebooks.
    const recipe = tempDir()
    sh(dir, 'cp', '-a', `${dir}/.`, recipe)
    sh(recipe, 'git', 'add', '-A')
    sh(recipe, 'git', 'commit', '-q', '-m', 'msg')
    const cp = ok(dir, ['checkpoint', 'create', 'cp1', '-m', 'msg'])
    const tree = (d: string) => sh(d, 'git', 'rev-parse', 'HEAD^{tree}').trim()
    expect(tree(dir)).toBe(tree(recipe))
    expect(sh(dir, 'git', 'show', 'HEAD:nb.ipynb')).toBe('cell: 1\ncell: 2\n')
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    expect(bytes(dir, 'nb.ipynb').toString()).toBe('cell: 1\noutput: a plot\ncell: 2\noutput: 42\n')
    gc(dir)
    ok(dir, ['undo', cp.opId])
    expect(fingerprint(dir)).toEqual(at)
  })
})
