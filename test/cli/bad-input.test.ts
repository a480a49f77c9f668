import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, fingerprint, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'

const PROJECT = {
  project: { name: 'shop', status: 'in_progress' },
  stages: [
    { id: 'S1', name: 'Auth', status: 'tested', dependsOn: [] },
    { id: 'S2', name: 'Cart', status: 'in_progress', dependsOn: ['S1'] },
  ],
  currentStage: null,
  currentPhase: 3,
}

/** Everything in .git that cpo could have touched, plus the work tree. */
function everything(dir: string) {
  const cpoRefs = sh(dir, 'git', 'for-each-ref', 'refs/cpo')
  const journal = fs.existsSync(path.join(dir, '.git/cpo/oplog.jsonl'))
    ? fs.readFileSync(path.join(dir, '.git/cpo/oplog.jsonl'), 'utf8')
    : ''
  return { ...fingerprint(dir), cpoRefs, journal }
}

describe('bad input gets a clear error and changes nothing', () => {
  it('outside a repository: exit 3, NOT_A_REPOSITORY', () => {
    const r = cpo(tempDir(), ['status', '--json'])
    expect(r.code).toBe(3)
    expect(r.json).toEqual({
      ok: false,
      error: {
        code: 'NOT_A_REPOSITORY',
        message: 'not a git repository',
        hint: 'Run cpo inside a git repository, or point to one with -C <dir>.',
      },
    })
  })

  it('-C to a missing directory: exit 3', () => {
    const r = cpo(tempDir(), ['-C', '/nonexistent/place', 'status'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('cpo: directory not found: /nonexistent/place')
  })

  it('a repository without commits: exit 4, NO_COMMITS, no snapshot ref, no journal entry', () => {
    const dir = tempDir()
    sh(dir, 'git', 'init', '-q', '-b', 'main')
    writeFiles(dir, { 'a.txt': 'a\n' })
    const r = cpo(dir, ['snapshot', '--json'])
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('NO_COMMITS')
    expect(r.json.error?.hint).toMatch(/first commit/)
    expect(sh(dir, 'git', 'for-each-ref', 'refs/cpo')).toBe('')
    expect(fs.existsSync(path.join(dir, '.git/cpo/oplog.jsonl'))).toBe(false)
  })

  it('a merge in progress: exit 4, never a half-taken snapshot', () => {
    const dir = makeRepo({ 'f.txt': 'base\n' })
    sh(dir, 'git', 'checkout', '-q', '-b', 'other')
    writeFiles(dir, { 'f.txt': 'other\n' })
    sh(dir, 'git', 'commit', '-qam', 'other')
    sh(dir, 'git', 'checkout', '-q', 'main')
    writeFiles(dir, { 'f.txt': 'main\n' })
    sh(dir, 'git', 'commit', '-qam', 'main')
    expect(() => sh(dir, 'git', 'merge', '-q', 'other')).toThrow()
    const before = everything(dir)
    const r = cpo(dir, ['snapshot', '--json'])
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('GIT_OPERATION_IN_PROGRESS')
    expect(r.json.error?.message).toBe('a merge is in progress')
    expect(everything(dir)).toEqual(before)
  })

  it('corrupt master-project.json: status names file, line and column; exit 5; file unchanged', () => {
    const dir = makeRepo({ 'master-project.json': '{\n  "project": {"name": "x",}\n}\n' })
    const before = everything(dir)
    const r = cpo(dir, ['status', '--json'])
    expect(r.code).toBe(5)
    expect(r.json.ok).toBe(false) // exit code and envelope agree
    expect(r.json.data.projectError.code).toBe('STATE_FILE_INVALID_JSON')
    expect(r.json.data.projectError.message).toMatch(
      /^master-project\.json is not valid JSON at line 2, column \d+/,
    )
    expect(everything(dir)).toEqual(before)
  })

  it('schema-violating master-project.json: the JSON path of the problem is named', () => {
    const bad = {
      ...PROJECT,
      stages: [PROJECT.stages[0], { ...PROJECT.stages[1], dependsOn: 'S1' }],
    }
    const dir = makeRepo({ 'master-project.json': `${JSON.stringify(bad, null, 2)}\n` })
    const r = cpo(dir, ['status'])
    expect(r.code).toBe(5)
    expect(r.stdout).toContain('$.stages[1].dependsOn')
  })

  it('a valid project shows phase, current stage and the stages table', () => {
    const dir = makeRepo({ 'master-project.json': `${JSON.stringify(PROJECT, null, 2)}\n` })
    const r = cpo(dir, ['status'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('project: shop [in_progress]')
    expect(r.stdout).toContain('phase:   3 Execution')
    expect(r.stdout).toContain('stage:   S2 Cart')
    expect(r.stdout).toMatch(/S1\s+tested/)
  })

  it('unknown operation id: exit 3; hostile ids are refused before any use: exit 5', () => {
    const dir = makeRepo()
    const before = everything(dir)
    const unknown = cpo(dir, ['undo', '20990101-000000-000-ffff', '--json'])
    expect(unknown.code).toBe(3)
    expect(unknown.json.error?.code).toBe('OPERATION_NOT_FOUND')
    for (const hostile of ['; rm -rf /', '../../etc/passwd', 'a\nb', '$(touch pwned)']) {
      const r = cpo(dir, ['undo', hostile, '--json'])
      expect(r.code).toBe(5)
      expect(r.json.error?.code).toBe('INVALID_OPERATION_ID')
      const s = cpo(dir, ['snapshot', 'restore', hostile, '--json'])
      expect(s.code).toBe(5)
      expect(s.json.error?.code).toBe('INVALID_SNAPSHOT_ID')
    }
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false)
    expect(everything(dir)).toEqual(before)
  })

  it('restore paths outside the repository or inside .git are refused', () => {
    const dir = makeRepo()
    const id = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    const before = everything(dir)
    for (const p of ['../outside', '/etc/passwd', '.git/config', 'a\nb']) {
      const r = cpo(dir, ['snapshot', 'restore', id, '--paths', p, '--json'])
      expect(r.code).toBe(5)
      expect(r.json.error?.code).toBe('INVALID_PATH')
    }
    const missing = cpo(dir, ['snapshot', 'restore', id, '--paths', 'no/such/file', '--json'])
    expect(missing.code).toBe(3)
    expect(missing.json.error?.code).toBe('PATH_NOT_IN_SNAPSHOT')
    expect(everything(dir)).toEqual(before)
  })

  it('a message with shell and control characters is stored literally', () => {
    const dir = makeRepo()
    const message = 'x; rm -rf / $(id) `id`\nsecond line'
    const r = cpo(dir, ['snapshot', '-m', message, '--json'])
    expect(r.code).toBe(0)
    expect(r.json.data.snapshot.message).toBe(message)
    expect(fs.readdirSync(dir)).toEqual(['.git', 'README.md'])
  })

  it('usage errors: exit 2, also as a JSON envelope', () => {
    const dir = makeRepo()
    const r = cpo(dir, ['frobnicate', '--json'])
    expect(r.code).toBe(2)
    expect(r.json.error?.code).toBe('USAGE')
    const missing = cpo(dir, ['snapshot', 'restore', '--json'])
    expect(missing.code).toBe(2)
    expect(missing.json.error?.message).toBe("missing required argument 'id'")
    expect(cpo(dir, ['undo', '--wait=soon']).code).toBe(2)
    expect(cpo(dir, ['log', '--limit', '0']).code).toBe(2)
  })

  it('undo with nothing to undo: exit 3; an older operation needs --yes', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    expect(cpo(dir, ['undo', '--json']).json.error?.code).toBe('NOTHING_TO_UNDO')
    const s1 = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    writeFiles(dir, { 'a.txt': 'b\n' })
    const r1 = cpo(dir, ['snapshot', 'restore', s1, '--json']).json.data.opId
    writeFiles(dir, { 'a.txt': 'c\n' })
    cpo(dir, ['snapshot', 'restore', s1, '--json'])
    const older = cpo(dir, ['undo', r1, '--json'])
    expect(older.code).toBe(2)
    expect(older.json.error?.code).toBe('CONFIRMATION_REQUIRED')
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('a\n')
    const yes = cpo(dir, ['undo', r1, '--yes', '--json'])
    expect(yes.code).toBe(0)
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('b\n')
  })

  it('a Git LFS repository without git-lfs installed: says so, exit 6, changes nothing', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    for (const [key, value] of [
      ['filter.lfs.process', 'git-lfs-not-installed-here filter-process'],
      ['filter.lfs.clean', 'git-lfs-not-installed-here clean -- %f'],
      ['filter.lfs.required', 'true'],
    ]) {
      sh(dir, 'git', 'config', key as string, value as string)
    }
    writeFiles(dir, { '.gitattributes': '*.bin filter=lfs -text\n', 'model.bin': 'weights\n' })
    // The files, index and refs stay as they were (the journal may record the failed attempt).
    const before = fingerprint(dir)
    const r = cpo(dir, ['checkpoint', 'create', 'x', '--json'])
    expect(r.code).toBe(6)
    expect(r.json.error?.code).toBe('FILTER_PROGRAM_MISSING')
    expect(r.json.error?.message).toContain('git-lfs-not-installed-here')
    expect(r.json.error?.message).not.toContain('remote end hung up')
    expect(fingerprint(dir)).toEqual(before)

    // git-lfs itself, on a PATH that holds git and nothing else.
    const bin = tempDir()
    fs.symlinkSync(sh(dir, 'sh', '-c', 'command -v git').trim(), path.join(bin, 'git'))
    sh(dir, 'git', 'config', 'filter.lfs.process', 'git-lfs filter-process')
    sh(dir, 'git', 'config', 'filter.lfs.clean', 'git-lfs clean -- %f')
    const lfs = cpo(dir, ['checkpoint', 'create', 'y', '--json'], { PATH: bin })
    expect(lfs.code).toBe(6)
    expect(lfs.json.error?.code).toBe('GIT_LFS_MISSING')
    expect(lfs.json.error?.hint).toContain('git lfs install')
    expect(fingerprint(dir)).toEqual(before)
  })
})
