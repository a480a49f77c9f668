import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/**
 * Makes a file impossible to remove, for real: the immutable flag (root ignores permission bits),
 * or, for a user who is not root, a read-only parent directory. Returns the undo.
 */
export function unremovable(file: string): () => void {
  const chattr = spawnSync('chattr', ['+i', file], { encoding: 'utf8' })
  if (chattr.status === 0) return () => spawnSync('chattr', ['-i', file])
  if (process.getuid?.() !== 0) {
    const dir = path.dirname(file)
    fs.chmodSync(dir, 0o555)
    return () => fs.chmodSync(dir, 0o755)
  }
  throw new Error(`cannot make ${file} unremovable as root: chattr +i failed (${chattr.stderr})`)
}
