import path from 'node:path'
import type { DbLocation } from '../../adapters/db/types.js'
import type { Repo } from '../../adapters/repo.js'
import { CHECKPOINTS_DIR } from '../../core/checkpoint/sidecars.js'
import { copyName } from '../../core/db/names.js'

/**
 * The name of a database kept or built beside the live one (`<db>__cpo_before_<op>`,
 * `<db>__cpo_new_<op>`, `<db>__cpo_undone_<op>`). A SQLite file inside the work tree gets its
 * siblings in `.checkpoints/` (ignored, same file system, so renames stay atomic): beside it they
 * would be untracked files the next `git add -A` commits.
 */
export function sideName(repo: Repo, db: DbLocation, label: string): string {
  if (db.engine !== 'sqlite') return copyName(db.name, label)
  const base = `${path.basename(db.name)}__cpo_${label}`
  const inside = !path.relative(repo.root, db.name).startsWith('..')
  return path.join(inside ? path.join(repo.root, CHECKPOINTS_DIR) : path.dirname(db.name), base)
}
