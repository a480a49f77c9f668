import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * A new directory on a file system other than the one os.tmpdir() is on (the tests' repositories
 * live there), for tests of a `.git` or a store on another device; undefined when the machine has
 * none to offer. The caller removes it.
 */
export function dirOnOtherFileSystem(prefix: string): string | undefined {
  const here = fs.statSync(os.tmpdir()).dev
  for (const base of ['/dev/shm', '/var/tmp', os.homedir()]) {
    try {
      if (fs.statSync(base).dev === here) continue
      return fs.mkdtempSync(path.join(base, prefix))
    } catch {
      // not there, or not writable: the next one
    }
  }
  return undefined
}
