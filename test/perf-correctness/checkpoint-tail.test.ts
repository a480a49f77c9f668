import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpoTraced } from '../helpers/git-trace.js'
import { copyOf, keep, makeRepo, sh, writeFiles } from '../helpers/repo.js'
import { ok, pendingProject } from './workflow-repo.js'

/**
 * `cpo checkpoint create` with pending work: the tag object is written beside the commit and its
 * ref joins the transaction that moves HEAD (one `update-ref --stdin`, no `git tag`), so both
 * happen or neither. The tag must be the object `git tag -a` would have written.
 */

let template: string | undefined
function base(): string {
  if (!template) {
    const dir = makeRepo({ 'master-project.json': pendingProject(2), 'README.md': '# p\n' })
    ok(dir, ['init'])
    template = keep(dir)
  }
  return copyOf(template)
}

const DATE = '2000000000 +0000'
const fixed = { GIT_COMMITTER_DATE: DATE, GIT_AUTHOR_DATE: DATE }
const git = (dir: string, args: string[], input?: string) =>
  execFileSync('git', args, {
    cwd: dir,
    env: { ...process.env, ...fixed },
    ...(input === undefined ? {} : { input }),
  })
    .toString()
    .trim()

describe('checkpoint create: HEAD and the tag in one ref transaction', () => {
  it('writes the tag object git tag -a writes, in one transaction with HEAD', () => {
    const dir = base()
    const head = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    writeFiles(dir, { 'src/a.ts': 'export const a = 1\n' })
    const { r, argvs } = cpoTraced(
      dir,
      ['checkpoint', 'create', 'demo', '-m', 'two  spaces, then trailing  ', '--json'],
      fixed,
    )
    expect(r.code, r.stderr).toBe(0)
    const commit = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    expect(sh(dir, 'git', 'rev-parse', 'HEAD~1').trim()).toBe(head)
    expect(sh(dir, 'git', 'show', 'HEAD:src/a.ts')).toBe('export const a = 1\n')
    const object = sh(dir, 'git', 'rev-parse', 'refs/tags/checkpoint/demo').trim()
    expect(sh(dir, 'git', 'cat-file', '-t', object).trim()).toBe('tag')
    expect(sh(dir, 'git', 'rev-parse', 'checkpoint/demo^{commit}').trim()).toBe(commit)
    // git tag -a with the same message, identity and date writes the very same object.
    const text = git(dir, ['cat-file', 'tag', object])
    const message = text.slice(text.indexOf('\n\n') + 2)
    git(dir, ['tag', '-d', 'checkpoint/demo'])
    git(dir, ['tag', '-a', '-F', '-', '--', 'checkpoint/demo', commit], `${message}\n`)
    expect(git(dir, ['rev-parse', 'refs/tags/checkpoint/demo'])).toBe(object)
    // One transaction held both, and no `git tag` ran.
    const stdinUpdates = argvs.filter((a) => a[1] === 'update-ref' && a.includes('--stdin'))
    expect(stdinUpdates.some((a) => a.some((x) => x.startsWith('commit: checkpoint: demo')))).toBe(
      true,
    )
    expect(argvs.filter((a) => a[1] === 'tag')).toEqual([])
    expect(argvs.filter((a) => a[1] === 'update-ref' && a.includes('HEAD'))).toEqual([])
    // The report names the tag the ref holds.
    expect(r.json.data.commit).toBe(commit)
  })

  it('a transaction git refuses moves no ref: HEAD stays, no tag, the work is kept', () => {
    const dir = base()
    const head = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    const branch = sh(dir, 'git', 'rev-parse', 'refs/heads/main').trim()
    // git's reference-transaction hook refuses any transaction that creates the tag.
    const hook = path.join(dir, '.git', 'hooks', 'reference-transaction')
    fs.mkdirSync(path.dirname(hook), { recursive: true })
    fs.writeFileSync(
      hook,
      '#!/bin/sh\n[ "$1" = prepared ] || exit 0\nif grep -q "refs/tags/checkpoint/demo$"; then exit 1; fi\nexit 0\n',
      { mode: 0o755 },
    )
    writeFiles(dir, { 'src/a.ts': 'work that must not be lost\n' })
    const { r, argvs } = cpoTraced(dir, ['checkpoint', 'create', 'demo', '--json'])
    expect(r.code).not.toBe(0)
    expect(r.stdout).toContain('aborted by hook')
    // The refused transaction held both HEAD's move and the tag.
    expect(argvs.some((a) => a[1] === 'update-ref' && a.includes('--stdin'))).toBe(true)
    expect(argvs.filter((a) => a[1] === 'tag')).toEqual([])
    expect(sh(dir, 'git', 'rev-parse', 'HEAD').trim()).toBe(head)
    expect(sh(dir, 'git', 'rev-parse', 'refs/heads/main').trim()).toBe(branch)
    expect(sh(dir, 'git', 'tag', '-l', 'checkpoint/demo').trim()).toBe('')
    expect(fs.readFileSync(path.join(dir, 'src/a.ts'), 'utf8')).toBe('work that must not be lost\n')
  })

  it('with a comment character configured, git tag writes the tag as before', () => {
    const dir = base()
    sh(dir, 'git', 'config', 'core.commentChar', ';')
    writeFiles(dir, { 'src/a.ts': 'x\n' })
    const { r, argvs } = cpoTraced(dir, ['checkpoint', 'create', 'demo', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(argvs.filter((a) => a[1] === 'tag').length).toBe(1)
    expect(sh(dir, 'git', 'rev-parse', 'checkpoint/demo^{commit}').trim()).toBe(
      sh(dir, 'git', 'rev-parse', 'HEAD').trim(),
    )
  })

  it('a clean tree: the tag goes on HEAD', () => {
    const dir = base()
    const head = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    const { r } = cpoTraced(dir, ['checkpoint', 'create', 'demo', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(sh(dir, 'git', 'rev-parse', 'checkpoint/demo^{commit}').trim()).toBe(head)
    expect(sh(dir, 'git', 'rev-parse', 'HEAD').trim()).toBe(head)
  })

  it('stage start: the start tag moves with HEAD; a restart keeps git tag', () => {
    const dir = base()
    const { r, argvs } = cpoTraced(dir, ['stage', 'start', 'S1', '--json'], fixed)
    expect(r.code, r.stderr).toBe(0)
    // `checkpoint: before Stage 1` is tagged, `chore(stage-1): start` sits on top of it.
    const tagged = sh(dir, 'git', 'rev-parse', 'checkpoint/stage-1-start^{commit}').trim()
    expect(sh(dir, 'git', 'rev-parse', 'HEAD~1').trim()).toBe(tagged)
    expect(sh(dir, 'git', 'log', '-1', '--format=%s', tagged).trim()).toBe(
      'checkpoint: before Stage 1 - Stage 1',
    )
    expect(argvs.filter((a) => a[1] === 'tag')).toEqual([])
    const object = sh(dir, 'git', 'rev-parse', 'refs/tags/checkpoint/stage-1-start').trim()
    const text = git(dir, ['cat-file', 'tag', object])
    const message = text.slice(text.indexOf('\n\n') + 2)
    git(dir, ['tag', '-d', 'checkpoint/stage-1-start'])
    git(dir, ['tag', '-a', '-F', '-', '--', 'checkpoint/stage-1-start', tagged], `${message}\n`)
    expect(git(dir, ['rev-parse', 'refs/tags/checkpoint/stage-1-start'])).toBe(object)
    // Started again: the old tag is moved aside first, then git tag writes the new one.
    const again = cpoTraced(dir, ['stage', 'start', 'S1', '--force', '--json'])
    expect(again.r.code, again.r.stderr).toBe(0)
    expect(again.argvs.filter((a) => a[1] === 'tag').length).toBe(1)
    expect(sh(dir, 'git', 'rev-parse', 'checkpoint/stage-1-start^{commit}').trim()).toBe(
      sh(dir, 'git', 'rev-parse', 'HEAD~1').trim(),
    )
  })
})
