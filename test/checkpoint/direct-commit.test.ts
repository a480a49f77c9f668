import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseStatusV2, porcelainV1 } from '../../src/adapters/snapshot/status.js'
import { cpoTraced } from '../helpers/git-trace.js'
import { cpo, fingerprint, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { projectJson } from './project.js'

/** Untracked names git has to quote (or not) in every way it can. */
const ODD_NAMES = [
  'with space.txt',
  'say "hi".txt',
  'café-ünï.txt',
  '-leading-dash.txt',
  'tab\there.txt',
  'back\\slash.txt',
  'new\nline.txt',
  'nested/deep/dir/file one.txt',
  'nested/deep/other.txt',
]

/**
 * Every kind of pending work at once: staged, unstaged, staged then modified again, deleted,
 * removed from the index but kept on disk, untracked (odd names, nested), intent-to-add, ignored.
 */
function messyRepo(): string {
  const dir = makeRepo({
    'staged.txt': 'staged v1\n',
    'unstaged.txt': 'unstaged v1\n',
    'both.txt': 'both v1\n',
    'deleted.txt': 'deleted v1\n',
    'uncached.txt': 'uncached v1\n',
    'tracked é.txt': 'tracked v1\n',
    'src/keep.ts': 'export const keep = 1\n',
    '.gitignore': '*.log\n',
  })
  writeFiles(dir, { 'staged.txt': 'staged v2\n' })
  sh(dir, 'git', 'add', 'staged.txt')
  writeFiles(dir, { 'unstaged.txt': 'unstaged v2\n', 'both.txt': 'both v2\n' })
  sh(dir, 'git', 'add', 'both.txt')
  writeFiles(dir, { 'both.txt': 'both v3\n', 'tracked é.txt': 'tracked v2\n' })
  fs.rmSync(path.join(dir, 'deleted.txt'))
  sh(dir, 'git', 'rm', '-q', '--cached', 'uncached.txt')
  writeFiles(dir, Object.fromEntries(ODD_NAMES.map((n) => [n, `content of ${n}\n`])))
  writeFiles(dir, { 'ita.txt': 'intent to add\n', 'debug.log': 'ignored, never committed\n' })
  sh(dir, 'git', 'add', '-N', 'ita.txt')
  return dir
}

/** An identical copy of the repository (work tree, index, refs, config). */
function copyOf(dir: string): string {
  const copy = tempDir()
  sh(dir, 'cp', '-a', `${dir}/.`, copy)
  return copy
}

const head = (dir: string) => sh(dir, 'git', 'rev-parse', 'HEAD').trim()
const headTree = (dir: string) => sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim()
const tags = (dir: string) => sh(dir, 'git', 'tag', '-l', 'checkpoint/*').trim()
const statusAll = (dir: string) =>
  sh(dir, 'git', 'status', '--porcelain=v1', '--untracked-files=all')
const diffFiles = (dir: string) => sh(dir, 'git', 'diff-files', '--name-only')
const filesAt = (dir: string, rev: string) =>
  sh(dir, 'git', 'ls-tree', '-r', '-z', '--name-only', rev).split('\0').filter(Boolean)

describe('checkpoint create commits pending work with plumbing', () => {
  it('commits exactly what `git add -A && git commit` would, leaves a fresh index, undo is exact', () => {
    const dir = messyRepo()
    const recipe = copyOf(dir)
    sh(recipe, 'git', 'add', '-A')
    sh(recipe, 'git', 'commit', '--no-verify', '-q', '-m', 'msg')
    expect(statusAll(recipe)).toBe('')

    const pristine = copyOf(dir)
    const before = fingerprint(dir)
    const headBefore = head(dir)
    const r = cpo(dir, ['checkpoint', 'create', 'cp1', '-m', 'msg', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data).toMatchObject({
      name: 'cp1',
      tag: 'checkpoint/cp1',
      branch: 'refs/heads/main',
      commit: head(dir),
      committed: head(dir),
    })
    expect(head(dir)).not.toBe(headBefore)
    expect(sh(dir, 'git', 'rev-parse', 'HEAD^').trim()).toBe(headBefore)
    expect(headTree(dir)).toBe(headTree(recipe))
    expect(sh(dir, 'git', 'log', '-1', '--format=%B', 'HEAD')).toBe('checkpoint: cp1 - msg\n\n')

    // Clean afterwards, and the index holds fresh stat data: plumbing that never refreshes
    // (diff-files) sees no difference either.
    expect(statusAll(dir)).toBe('')
    expect(diffFiles(dir)).toBe('')
    expect(sh(dir, 'git', 'diff', '--cached', '--name-only')).toBe('')

    // The ignored file stays on disk, out of the commit; every odd name is in it.
    expect(fs.readFileSync(path.join(dir, 'debug.log'), 'utf8')).toBe('ignored, never committed\n')
    const files = filesAt(dir, 'HEAD')
    expect(files).not.toContain('debug.log')
    expect(files).not.toContain('deleted.txt')
    for (const name of [...ODD_NAMES, 'ita.txt', 'uncached.txt', 'tracked é.txt']) {
      expect(files).toContain(name)
    }

    expect(sh(dir, 'git', 'reflog', '-1', '--format=%gs', 'HEAD').trim()).toBe(
      'commit: checkpoint: cp1 - msg',
    )
    expect(sh(dir, 'git', 'rev-parse', 'checkpoint/cp1^{commit}').trim()).toBe(head(dir))

    const undo = cpo(dir, ['undo', r.json.data.opId, '--json'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
    // The staged/unstaged split (intent-to-add included) is back as git shows it.
    expect(statusAll(dir)).toBe(statusAll(pristine))
  })

  it('clean tree: no commit, the tag goes on HEAD', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    const headBefore = head(dir)
    const r = cpo(dir, ['checkpoint', 'create', 'clean', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.committed).toBeNull()
    expect(r.json.data.commit).toBe(headBefore)
    expect(head(dir)).toBe(headBefore)
    expect(sh(dir, 'git', 'rev-parse', 'checkpoint/clean^{commit}').trim()).toBe(headBefore)
    expect(statusAll(dir)).toBe('')
    expect(diffFiles(dir)).toBe('')
  })

  it('an untracked file above the snapshot size cap: git commits it as `add -A` would', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    writeFiles(dir, { 'big.bin': 'x'.repeat(5000), 'a.txt': 'a changed\n', 'small.txt': 's\n' })
    const recipe = copyOf(dir)
    sh(recipe, 'git', 'add', '-A')
    sh(recipe, 'git', 'commit', '--no-verify', '-q', '-m', 'msg')

    const before = fingerprint(dir)
    const env = { CPO_SNAPSHOT_SIZE_CAP: '1000' }
    const r = cpo(dir, ['checkpoint', 'create', 'big', '--json'], env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.before.skipped).toEqual([
      { path: 'big.bin', reason: 'too-large', size: 5000 },
    ])
    expect(r.json.data.committed).toBe(head(dir))
    expect(filesAt(dir, 'HEAD')).toContain('big.bin')
    expect(headTree(dir)).toBe(headTree(recipe))
    expect(statusAll(dir)).toBe('')
    expect(diffFiles(dir)).toBe('')

    const undo = cpo(dir, ['undo', r.json.data.opId, '--json'], env)
    expect(undo.code, undo.stderr).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
  })

  it('commit.gpgSign is honoured for the checkpoint commit, never for snapshot commits', () => {
    const bin = tempDir('cpo-gpg-')
    const gpg = path.join(bin, 'fake-gpg')
    // What git expects of gpg: `--status-fd=2 -bsau <key>`, the payload on stdin, the status
    // line on fd 2, an armored detached signature on stdout.
    fs.writeFileSync(
      gpg,
      [
        '#!/bin/sh',
        'cat >/dev/null',
        "printf '\\n[GNUPG:] SIG_CREATED D 1 8 00 1 ABC\\n' >&2",
        "printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n'",
        'exit 0',
        '',
      ].join('\n'),
      { mode: 0o755 },
    )
    const dir = makeRepo({ 'a.txt': 'a\n' })
    sh(dir, 'git', 'config', 'commit.gpgSign', 'true')
    sh(dir, 'git', 'config', 'gpg.program', gpg)
    sh(dir, 'git', 'config', 'user.signingKey', 'ABC')

    // The fake works with this git: a plain commit is signed.
    sh(dir, 'git', 'commit', '-q', '--allow-empty', '-m', 'probe')
    expect(sh(dir, 'git', 'cat-file', 'commit', 'HEAD')).toMatch(
      /^gpgsig -----BEGIN PGP SIGNATURE-----$/m,
    )

    writeFiles(dir, { 'a.txt': 'a changed\n', 'b.txt': 'new\n' })
    const r = cpo(dir, ['checkpoint', 'create', 'signed', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.committed).toBe(head(dir))
    const commit = sh(dir, 'git', 'cat-file', 'commit', 'HEAD')
    expect(commit).toMatch(/^gpgsig -----BEGIN PGP SIGNATURE-----$/m)
    expect(commit).toContain('ZmFrZQ==')
    expect(commit).toMatch(/\n\ncheckpoint: signed\n$/)

    const snapshots = sh(
      dir,
      'git',
      'for-each-ref',
      '--format=%(objectname)',
      'refs/cpo/snapshots/',
    )
      .trim()
      .split('\n')
      .filter(Boolean)
    expect(snapshots.length).toBeGreaterThanOrEqual(2) // before and after
    for (const snap of snapshots) {
      // The snapshot commit and its index commit (second parent).
      for (const c of [snap, `${snap}^2`]) {
        expect(sh(dir, 'git', 'cat-file', 'commit', c)).not.toContain('gpgsig')
      }
    }
  })

  it('.git/index.lock held by someone else: refused, nothing changes, the lock is left alone', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    writeFiles(dir, { 'a.txt': 'a changed\n', 'new.txt': 'new\n' })
    sh(dir, 'git', 'add', 'new.txt')
    const lock = path.join(dir, '.git', 'index.lock')
    fs.writeFileSync(lock, '')
    const before = fingerprint(dir) // .git is outside the fingerprint: the lock is not in it
    const headBefore = head(dir)

    const r = cpo(dir, ['checkpoint', 'create', 'locked', '--json'])
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('INDEX_LOCKED')
    expect(head(dir)).toBe(headBefore)
    expect(tags(dir)).toBe('')
    expect(fingerprint(dir)).toEqual(before)
    expect(fs.existsSync(lock)).toBe(true)

    fs.rmSync(lock)
    const again = cpo(dir, ['checkpoint', 'create', 'locked', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.json.data.committed).toBe(head(dir))
    expect(sh(dir, 'git', 'rev-parse', 'HEAD^').trim()).toBe(headBefore)
    expect(tags(dir)).toBe('checkpoint/locked')
    expect(statusAll(dir)).toBe('')
    expect(diffFiles(dir)).toBe('')
  })
})

describe('porcelainV1', () => {
  it('prints what `git status --porcelain=v1` prints, with core.quotePath on and off', () => {
    const dir = messyRepo()
    const v2 = sh(
      dir,
      'git',
      'status',
      '--porcelain=v2',
      '-z',
      '--untracked-files=all',
      '--no-renames',
    )
    const { records } = parseStatusV2(v2)
    expect(records.length).toBeGreaterThan(10)
    for (const quotePath of [true, false]) {
      const v1 = sh(
        dir,
        'git',
        '-c',
        `core.quotePath=${quotePath}`,
        'status',
        '--porcelain=v1',
        '--untracked-files=all',
        '--no-renames',
      )
      expect(porcelainV1(records, quotePath)).toBe(v1)
    }
    // Both spellings really differ on this tree (é is quoted only with quotePath on).
    expect(porcelainV1(records, true)).not.toBe(porcelainV1(records, false))
  })
})

describe('stage start', () => {
  it('sidecar git-status equals what git status printed; the state change is its own commit', () => {
    const dir = makeRepo({
      'master-project.json': projectJson(),
      'README.md': '# pantry\n',
      'src/app.ts': 'export const app = 1\n',
    })
    expect(cpo(dir, ['init']).code).toBe(0)
    writeFiles(dir, { 'README.md': '# pantry, staged\n' })
    sh(dir, 'git', 'add', 'README.md')
    writeFiles(dir, {
      'src/app.ts': 'export const app = 2\n',
      'my notes.txt': 'untracked, with a space\n',
      'café.txt': 'untracked, non-ASCII\n',
    })
    const expected = sh(
      dir,
      'git',
      'status',
      '--porcelain=v1',
      '--untracked-files=all',
      '--no-renames',
    )
    expect(expected).toContain('"my notes.txt"')

    const r = cpo(dir, ['stage', 'start', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.stage).toMatchObject({ id: 'S1', number: '1' })
    expect(fs.readFileSync(path.join(dir, '.checkpoints/git-status-stage-1.txt'), 'utf8')).toBe(
      expected,
    )
    expect(filesAt(dir, 'HEAD^')).toEqual(
      expect.arrayContaining(['README.md', 'café.txt', 'my notes.txt', 'src/app.ts']),
    )
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    expect(sh(dir, 'git', 'diff', '--name-only', 'HEAD^', 'HEAD')).toBe('master-project.json\n')
  })
})

/**
 * `cpo recover` gives back `before` exactly, but for the sidecars the killed stage command wrote
 * (ignored files, which no restore touches).
 */
function expectRecovered(dir: string, before: ReturnType<typeof fingerprint>): void {
  const recovered = cpo(dir, ['--json', 'recover'])
  expect(recovered.code, recovered.stderr).toBe(0)
  const kept = (fp: ReturnType<typeof fingerprint>) =>
    Object.fromEntries(Object.entries(fp).filter(([k]) => !k.startsWith('tree:.checkpoints/')))
  expect(kept(fingerprint(dir))).toEqual(kept(before))
}

describe('stage start writes the index once', () => {
  const project = () => {
    const dir = makeRepo({
      'master-project.json': projectJson(),
      'src/app.ts': 'export const a = 1\n',
    })
    expect(cpo(dir, ['init']).code).toBe(0)
    writeFiles(dir, { 'src/app.ts': 'export const a = 2\n', 'notes.txt': 'untracked\n' })
    return dir
  }
  const stateAt = (dir: string, rev: string) =>
    JSON.parse(sh(dir, 'git', 'show', `${rev}:master-project.json`)).stages[0].status
  const updateIndexRuns = (argvs: string[][]) =>
    argvs.filter((a) => a.includes('update-index')).length

  it('the state file goes into the index with the checkpoint work: one update-index', () => {
    const dir = project()
    const { r, argvs } = cpoTraced(dir, ['stage', 'start', 'S1', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(updateIndexRuns(argvs)).toBe(1)
    expect(stateAt(dir, 'HEAD^')).toBe('pending')
    expect(stateAt(dir, 'HEAD')).toBe('in_progress')
    expect(sh(dir, 'git', 'diff', '--cached', '--name-only')).toBe('')
    expect(sh(dir, 'git', 'status', '--porcelain', '--untracked-files=all')).toBe('')
    const [entry] = sh(dir, 'git', 'ls-files', '-s', 'master-project.json').split(/\s+/)
    expect(entry).toBe('100644')
    expect(sh(dir, 'git', 'ls-files', '-s', 'master-project.json').split(/\s+/)[1]).toBe(
      sh(dir, 'git', 'rev-parse', 'HEAD:master-project.json').trim(),
    )
  })

  it('files git converts on the way in: the index is staged by git as before, and still exact', () => {
    const dir = project()
    sh(dir, 'git', 'config', 'core.autocrlf', 'true')
    writeFiles(dir, { 'src/app.ts': 'export const a = 3\r\n' })
    const { r, argvs } = cpoTraced(dir, ['stage', 'start', 'S1', '--json'])
    expect(r.code, r.stderr).toBe(0)
    // git commits the work (add -A), and the state file is staged after its own commit.
    const staged = argvs.filter((a) => a.includes('update-index'))
    expect(staged.map((a) => a.includes('--index-info'))).toEqual([false])
    expect(stateAt(dir, 'HEAD')).toBe('in_progress')
    expect(sh(dir, 'git', 'status', '--porcelain', '--untracked-files=all')).toBe('')
  })

  it('killed once the index holds the new state, before the file is written: recover is exact', () => {
    const dir = project()
    const before = fingerprint(dir)
    const crashed = cpo(dir, ['stage', 'start', 'S1'], { CPO_FAULT: 'state-read' })
    expect(crashed.signal).toBe('SIGKILL')
    expectRecovered(dir, before)
  })
})

describe('stage complete commits from the scan', () => {
  /** A started stage S1 with work of every kind left, and a verification that writes a file. */
  const started = (files: Record<string, string> = {}) => {
    const dir = makeRepo({
      'master-project.json': projectJson({ test: 'echo built > build-stamp.txt' }),
      'src/app.ts': 'export const a = 1\n',
      ...files,
    })
    expect(cpo(dir, ['init']).code).toBe(0)
    expect(cpo(dir, ['stage', 'start', 'S1']).code).toBe(0)
    writeFiles(dir, { 'src/app.ts': 'export const a = 2\n', 'src/new file.ts': 'new\n' })
    writeFiles(dir, { 'staged.txt': 'staged\n' })
    sh(dir, 'git', 'add', 'staged.txt')
    return dir
  }
  /** The tree `git add -A` makes of the work tree now, on a copy of the index. */
  const addAllTree = (dir: string) => {
    const index = path.join(tempDir(), 'index')
    fs.copyFileSync(path.join(dir, '.git/index'), index)
    return sh(
      dir,
      'sh',
      '-c',
      `GIT_INDEX_FILE='${index}' git add -A && GIT_INDEX_FILE='${index}' git write-tree`,
    ).trim()
  }

  it('what `add -A` + `commit` would commit, the index equal to it, with no add, commit or second scan', () => {
    const dir = started()
    const { r, argvs } = cpoTraced(dir, ['stage', 'complete', 'S1', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(headTree(dir)).toBe(addAllTree(dir))
    expect(sh(dir, 'git', 'status', '--porcelain', '--untracked-files=all')).toBe('')
    expect(sh(dir, 'git', 'diff', '--cached', '--name-only')).toBe('')
    expect(filesAt(dir, 'HEAD')).toEqual(
      expect.arrayContaining([
        'build-stamp.txt',
        'cpo-progress.md',
        'src/new file.ts',
        'staged.txt',
      ]),
    )
    expect(JSON.parse(sh(dir, 'git', 'show', 'HEAD:master-project.json')).stages[0].status).toBe(
      'tested',
    )
    expect(sh(dir, 'git', 'rev-parse', 'checkpoint/stage-1-complete^{commit}')).toBe(
      `${head(dir)}\n`,
    )
    const run = (cmd: string) => argvs.filter((a) => a.includes(cmd)).length
    expect([run('add'), run('commit'), run('status')]).toEqual([0, 0, 1])
    sh(dir, 'git', 'fsck', '--strict', '--no-dangling')
  })

  it('an ignored progress log that git does not track stays out of the commit, as with add -A', () => {
    const dir = started({ '.gitignore': 'cpo-progress.md\n' })
    const r = cpo(dir, ['stage', 'complete', 'S1', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(filesAt(dir, 'HEAD')).not.toContain('cpo-progress.md')
    expect(fs.readFileSync(path.join(dir, 'cpo-progress.md'), 'utf8')).toContain('S1')
    expect(headTree(dir)).toBe(addAllTree(dir))
    expect(sh(dir, 'git', 'status', '--porcelain', '--untracked-files=all')).toBe('')
  })

  it('a progress log that is a symlink: git stages it, as the symlink add -A records', () => {
    const dir = started({ 'docs/progress.md': '# progress\n' })
    fs.symlinkSync('docs/progress.md', path.join(dir, 'cpo-progress.md'))
    const r = cpo(dir, ['stage', 'complete', 'S1', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(sh(dir, 'git', 'ls-tree', 'HEAD', 'cpo-progress.md').split(' ')[0]).toBe('120000')
    expect(headTree(dir)).toBe(addAllTree(dir))
    expect(sh(dir, 'git', 'status', '--porcelain', '--untracked-files=all')).toBe('')
  })

  it('killed once HEAD moved: recover gives back the exact state before it', () => {
    const dir = started()
    const before = fingerprint(dir)
    const crashed = cpo(dir, ['stage', 'complete', 'S1', '--skip-verify'], { CPO_FAULT: 'applied' })
    expect(crashed.signal).toBe('SIGKILL')
    expectRecovered(dir, before)
  })
})

describe('checkpoint create killed part-way', () => {
  for (const point of [
    'lock-taken',
    'before-snapshot',
    'journal-begun',
    'applied',
    'after-snapshot',
  ] as const) {
    it(`killed at ${point}: cpo recover gives back the exact state, the staged/unstaged split too`, () => {
      const dir = messyRepo()
      const before = fingerprint(dir)
      const crashed = cpo(dir, ['checkpoint', 'create', 'cp1'], { CPO_FAULT: point })
      expect(crashed.signal).toBe('SIGKILL')
      const recovered = cpo(dir, ['--json', 'recover'])
      expect(recovered.code, recovered.stderr).toBe(0)
      expect(fingerprint(dir)).toEqual(before)
      expect(tags(dir)).toBe('')
      // And the checkpoint then runs normally.
      const again = cpo(dir, ['--json', 'checkpoint', 'create', 'cp1'])
      expect(again.code, again.stderr).toBe(0)
      expect(statusAll(dir)).toBe('')
    })
  }
})

describe('hooks', () => {
  it('no hook runs for a checkpoint commit, on the direct path or through git commit', () => {
    const dir = makeRepo({ 'README.md': '# hooks\n' })
    const marker = path.join(tempDir(), 'hook-ran')
    const hook = (name: string, body: string) => {
      const file = path.join(dir, '.git', 'hooks', name)
      fs.writeFileSync(file, `#!/bin/sh\n${body}\n`)
      fs.chmodSync(file, 0o755)
    }
    hook('pre-commit', 'exit 1')
    hook('commit-msg', 'exit 1')
    hook('prepare-commit-msg', `echo hooked >> "$1"; echo prepare >> '${marker}'`)
    hook('post-commit', `echo post >> '${marker}'`)
    // The hooks work: a plain git commit is stopped by them.
    writeFiles(dir, { 'a.txt': 'a\n' })
    sh(dir, 'git', 'add', 'a.txt')
    expect(() => sh(dir, 'git', 'commit', '-q', '-m', 'plain')).toThrow()
    fs.rmSync(marker, { force: true })

    const direct = cpo(dir, ['--json', 'checkpoint', 'create', 'direct'])
    expect(direct.code, direct.stderr).toBe(0)
    expect(sh(dir, 'git', 'log', '-1', '--format=%B').trim()).toBe('checkpoint: direct')

    // Above the size cap the snapshot leaves the file out, so git add + git commit do the work.
    writeFiles(dir, { 'big.bin': 'x'.repeat(5000) })
    const viaGit = cpo(dir, ['--json', 'checkpoint', 'create', 'via-git'], {
      CPO_SNAPSHOT_SIZE_CAP: '1000',
    })
    expect(viaGit.code, viaGit.stderr).toBe(0)
    expect(sh(dir, 'git', 'log', '-1', '--format=%B').trim()).toBe('checkpoint: via-git')
    expect(sh(dir, 'git', 'show', '--format=', '--name-only', 'HEAD').trim()).toBe('big.bin')
    expect(fs.existsSync(marker)).toBe(false)
  })
})
