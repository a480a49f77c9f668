import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where fixtures kept for the whole run live (test/helpers/repo.ts `keepForRun`). */
    fixtureRoot: string
  }
}

const TMPFS_MAGIC = 0x01021994
/** Room the run's files need at most (repositories, database clusters, archives), with margin. */
const ROOM = 4 * 1024 ** 3

/**
 * A file system in memory for the run's files, when the machine has one with room (`/dev/shm`
 * on Linux). The suite mostly waits on git, cpo and PostgreSQL writing and syncing small files:
 * on a tmpfs a sync costs nothing, which takes about a fifth off the run. It is a real file
 * system all the same (inodes, links, renames, modes, nanosecond times). Tests that need
 * another file system beside it pick one themselves (test/helpers/other-fs.ts).
 */
function memoryRoot(): string | undefined {
  if (process.env.CPO_TEST_TMPDIR_KEEP === '1') return undefined
  try {
    const st = fs.statfsSync('/dev/shm')
    if (st.type !== TMPFS_MAGIC || st.bavail * st.bsize < ROOM) return undefined
    return '/dev/shm'
  } catch {
    return undefined
  }
}

/**
 * Global setup (vitest.config.ts), run before the test workers start: they and every process
 * they start take TMPDIR from this process. Makes one directory for the run's shared fixtures;
 * both are removed after the run.
 */
export default function setup(project: TestProject): () => void {
  const memory = memoryRoot()
  const runDir = memory ? fs.mkdtempSync(path.join(memory, 'cpo-tests-')) : undefined
  if (runDir) {
    // Like /tmp: the PostgreSQL clusters run as another user and must reach their directories.
    fs.chmodSync(runDir, 0o1777)
    process.env.TMPDIR = runDir
  }
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cpo-fixtures-')))
  project.provide('fixtureRoot', root)
  return () => {
    fs.rmSync(root, { recursive: true, force: true })
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true })
  }
}
