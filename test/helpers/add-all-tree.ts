import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './repo.js'

/** What `git add -A` would make of the real index, on a copy: the tree git writes from it. */
export function addAllTree(dir: string): string {
  const index = path.join(tempDir(), 'index')
  fs.copyFileSync(path.join(dir, '.git/index'), index)
  const env = { ...process.env, GIT_INDEX_FILE: index }
  execFileSync('git', ['add', '-A'], { cwd: dir, env })
  return execFileSync('git', ['write-tree'], { cwd: dir, env, encoding: 'utf8' }).trim()
}
