import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cpo, fingerprint, makeRepo, sh, writeFiles } from '../helpers/repo.js'
import { builtProject, workInProgress } from '../rollback/build.js'

function ok(dir: string, args: string[]) {
  const r = cpo(dir, ['--json', ...args])
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.json.data
}

const modeOf = (dir: string, file: string) => fs.statSync(path.join(dir, file)).mode & 0o7777
const gc = (dir: string) => sh(dir, 'git', 'gc', '-q', '--prune=now')

// cpo runs as a child of this process and inherits its umask: with 022, git creates 644 and 755,
// so a 600 file coming back 644 is seen (under 077 it would come back 600 by luck).
let umask: number
beforeAll(() => {
  umask = process.umask(0o022)
})
afterAll(() => {
  process.umask(umask)
})

describe('snapshots keep full permission bits', () => {
  it('a 0600 private key and a 0700 script come back exactly after rollback stage and undo', () => {
    const dir = builtProject()
    workInProgress(dir)
    writeFiles(dir, {
      'keys/id_ed25519': '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n',
      'bin/deploy': '#!/bin/sh\necho deploy\n',
      'shared.txt': 'group-writable\n',
    })
    fs.chmodSync(path.join(dir, 'keys/id_ed25519'), 0o600)
    fs.chmodSync(path.join(dir, 'bin/deploy'), 0o700)
    fs.chmodSync(path.join(dir, 'shared.txt'), 0o664)
    const before = fingerprint(dir)

    const r = ok(dir, ['rollback', 'stage', '--reason', 'S2 broke the tests'])
    expect(r.setAside.uncommitted).toEqual(expect.arrayContaining(['keys/id_ed25519']))
    expect(fs.existsSync(path.join(dir, 'keys/id_ed25519'))).toBe(false)
    gc(dir)

    ok(dir, ['undo', r.opId])
    expect(fingerprint(dir)).toEqual(before)
    expect(modeOf(dir, 'keys/id_ed25519')).toBe(0o600)
    expect(modeOf(dir, 'bin/deploy')).toBe(0o700)
    expect(modeOf(dir, 'shared.txt')).toBe(0o664)
  })

  it('core.fileMode=false: an untracked executable keeps its exec bit, a tracked one too', () => {
    const dir = makeRepo({ 'README.md': '# demo\n', 'tools/build.sh': '#!/bin/sh\n' })
    sh(dir, 'git', 'config', 'core.fileMode', 'false')
    writeFiles(dir, {
      'tools/new.sh': '#!/bin/sh\necho new\n',
      'tools/build.sh': '#!/bin/sh\nv2\n',
    })
    fs.chmodSync(path.join(dir, 'tools/new.sh'), 0o755)
    fs.chmodSync(path.join(dir, 'tools/build.sh'), 0o755)
    const at = fingerprint(dir)
    const id = ok(dir, ['snapshot']).snapshot.id
    fs.rmSync(path.join(dir, 'tools/new.sh'))
    writeFiles(dir, { 'tools/build.sh': 'broken\n' })
    gc(dir)

    ok(dir, ['snapshot', 'restore', id])
    expect(modeOf(dir, 'tools/new.sh')).toBe(0o755)
    expect(modeOf(dir, 'tools/build.sh')).toBe(0o755)
    expect(fingerprint(dir)).toEqual(at)
  })
})
