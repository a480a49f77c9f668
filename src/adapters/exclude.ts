import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { withExcludeLine } from '../core/checkpoint/sidecars.js'
import { writeFileAtomic } from './fs.js'
import type { Repo } from './repo.js'

/**
 * Makes git ignore `line` through `.git/info/exclude` (the project's own .gitignore is the
 * user's). Linked work trees share the main one's file, in the common directory. Returns whether
 * the file changed.
 */
export async function ensureExcluded(repo: Repo, line?: string): Promise<boolean> {
  const file = path.join(repo.commonDir, 'info', 'exclude')
  const current = await fsp.readFile(file, 'utf8').catch(() => '')
  const next = withExcludeLine(current, line)
  if (next === undefined) return false
  await fsp.mkdir(path.dirname(file), { recursive: true })
  await writeFileAtomic(file, next)
  return true
}
