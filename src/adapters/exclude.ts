import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { withExcludeLine } from '../core/checkpoint/sidecars.js'
import { writeFileAtomic } from './fs.js'
import { git } from './git.js'
import type { Repo } from './repo.js'

/**
 * Makes git ignore `line` through `.git/info/exclude` (the project's own .gitignore is the
 * user's). Resolved with `--git-path` because linked work trees share the main one's file.
 * Returns whether the file changed.
 */
export async function ensureExcluded(repo: Repo, line?: string): Promise<boolean> {
  const rel = (await git(repo.root, ['rev-parse', '--git-path', 'info/exclude'])).stdout.trim()
  const file = path.resolve(repo.root, rel)
  const current = await fsp.readFile(file, 'utf8').catch(() => '')
  const next = withExcludeLine(current, line)
  if (next === undefined) return false
  await fsp.mkdir(path.dirname(file), { recursive: true })
  await writeFileAtomic(file, next)
  return true
}
