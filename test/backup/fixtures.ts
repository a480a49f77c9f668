import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { commitAll, makeRepo, sh, writeFiles } from '../helpers/repo.js'

export const PROJECT_JSON = `${JSON.stringify(
  { project: { name: 'Demo Shop', status: 'in_progress' }, stages: [], currentStage: null },
  null,
  2,
)}\n`

export const ENV =
  'NODE_ENV=production\nPORT=3000\nDATABASE_URL=postgres://app:s3cr3t-Pa55@db:5432/app\nSTRIPE_SECRET_KEY=sk_live_51HxYzAbCdEfGhIjKlMnOpQr\n'

/**
 * A project with everything a backup must carry: branches, annotated and light tags (a
 * checkpoint among them), notes, a stash, refs/cpo/*, state files, .checkpoints/ with a binary
 * sidecar, an env file with secrets, and a large-ish committed binary.
 */
export function richProject(): string {
  const dir = makeRepo({ 'README.md': '# shop\n', 'master-project.json': PROJECT_JSON })
  writeFiles(dir, { 'src/app.ts': 'export const a = 1\n' })
  fs.writeFileSync(path.join(dir, 'assets.bin'), randomBytes(3 * 1024 * 1024))
  commitAll(dir, 'feat(stage-1): app and assets')
  sh(dir, 'git', 'tag', '-a', 'checkpoint/stage-1', '-m', '{"stage":"S1"}')
  sh(dir, 'git', 'tag', 'light')
  sh(dir, 'git', 'checkout', '-q', '-b', 'feature/stage-2-cart')
  writeFiles(dir, { 'src/cart.ts': 'export const cart = []\n' })
  commitAll(dir, 'feat(stage-2): cart')
  sh(dir, 'git', 'notes', 'add', '-m', 'reviewed', 'HEAD')
  sh(dir, 'git', 'checkout', '-q', 'main')
  const head = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
  sh(dir, 'git', 'update-ref', 'refs/cpo/snapshots/20260101-000000-000-abcd', head)
  writeFiles(dir, { 'src/app.ts': 'export const a = 2 // stashed\n' })
  sh(dir, 'git', 'stash', 'push', '-q', '-m', 'wip')
  writeFiles(dir, {
    'cpo-progress.md': '# progress\n- stage 1 done\n',
    '.checkpoints/stage-1/state.json': PROJECT_JSON,
    '.checkpoints/stage-1/git.txt': `${head}\n`,
    '.env': ENV,
  })
  fs.mkdirSync(path.join(dir, '.checkpoints/empty'))
  fs.writeFileSync(path.join(dir, '.checkpoints/stage-1/db.dump'), randomBytes(2 * 1024 * 1024))
  fs.appendFileSync(path.join(dir, '.git/info/exclude'), '/.checkpoints/\n.env\n')
  // An uncommitted change to the state file: the backup must carry the work-tree version.
  fs.writeFileSync(
    path.join(dir, 'master-project.json'),
    PROJECT_JSON.replace('in_progress', 'validating'),
  )
  return dir
}

/** Every ref with its object id, as one comparable string. */
export const allRefs = (dir: string): string =>
  sh(dir, 'git', 'for-each-ref', '--format=%(objectname) %(refname)')

export const headOf = (dir: string) => ({
  symref: sh(dir, 'git', 'rev-parse', '--symbolic-full-name', 'HEAD').trim(),
  commit: sh(dir, 'git', 'rev-parse', 'HEAD').trim(),
})
