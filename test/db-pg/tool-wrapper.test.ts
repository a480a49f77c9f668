import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { findTool, versionedToolDirs } from '../../src/adapters/db/postgres-tools.js'
import { tempDir } from '../helpers/repo.js'

// Debian's /usr/bin/pg_dump is a link to postgresql-common's pg_wrapper, which only runs one of
// the /usr/lib/postgresql/<major>/bin binaries (ARCHITECTURE.md, §26): it is asked for its
// version only when those are not all candidates already.

const installed = versionedToolDirs()

/** A PATH directory whose pg_dump is a link to a script named pg_wrapper that logs each run. */
function fakeWrapper(): { bin: string; log: string } {
  const dir = tempDir()
  const log = path.join(dir, 'runs.log')
  const share = path.join(dir, 'share')
  const bin = path.join(dir, 'bin')
  fs.mkdirSync(share)
  fs.mkdirSync(bin)
  const wrapper = path.join(share, 'pg_wrapper')
  fs.writeFileSync(wrapper, `#!/bin/sh\necho run >> '${log}'\necho 'pg_dump (PostgreSQL) 1.0'\n`, {
    mode: 0o755,
  })
  fs.symlinkSync(wrapper, path.join(bin, 'pg_dump'))
  return { bin, log }
}

const runs = (log: string) =>
  fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0

describe.skipIf(installed.length === 0)('pg_dump discovery and the Debian wrapper', () => {
  it('with every installed version a candidate, the wrapper is not run and a real binary wins', async () => {
    const { bin, log } = fakeWrapper()
    const found = await findTool('pg_dump', { ...process.env, PATH: bin }, installed)
    expect(runs(log)).toBe(0)
    expect(found.path?.startsWith('/usr/lib/postgresql/')).toBe(true)
    expect(found.major).toBeGreaterThan(1)
  })

  it('with other directories than the installed ones, the wrapper on PATH is still asked', async () => {
    const { bin, log } = fakeWrapper()
    const found = await findTool('pg_dump', { ...process.env, PATH: bin }, [])
    expect(runs(log)).toBe(1)
    expect(found).toMatchObject({ path: path.join(bin, 'pg_dump'), version: '1.0', major: 1 })
  })
})
