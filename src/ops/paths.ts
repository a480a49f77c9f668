import path from 'node:path'
import { CpoError } from '../errors.js'

/**
 * Turns paths a user typed (relative to where they stand) into repository-relative paths, and
 * refuses anything that leaves the repository or could be read as an option or a pathspec magic.
 */
export function toRepoPaths(root: string, cwd: string, paths: string[]): string[] {
  return paths.map((p) => {
    if (p === '' || /[\0\n\r]/.test(p)) throw badPath(p, 'empty or contains control characters')
    const abs = path.resolve(cwd, p)
    const rel = path.relative(root, abs)
    if (rel === '') return '.'
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw badPath(p, 'outside the repository')
    if (rel === '.git' || rel.startsWith(`.git${path.sep}`)) throw badPath(p, 'inside .git')
    return rel.split(path.sep).join('/')
  })
}

function badPath(p: string, why: string): CpoError {
  return new CpoError('INVALID_PATH', 'invalidInput', `invalid path ${JSON.stringify(p)}: ${why}`, {
    hint: 'Give paths inside the repository, relative to the current directory.',
  })
}
