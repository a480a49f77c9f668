import { createHash } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { git, splitZ } from './git.js'
import type { Repo } from './repo.js'

/**
 * A value that changes whenever the repository does in a way a plan depends on: HEAD, the
 * index (its trailing checksum covers every entry) and the work-tree scan (`git status`), with
 * the size and modification time of every path it lists, since a file edited again keeps its
 * status letter. A two-step confirmation compares it to refuse running a stale plan.
 */
export async function repoFingerprint(repo: Repo): Promise<string> {
  const [head, status, index] = await Promise.all([
    git(repo.root, ['rev-parse', '--verify', '-q', 'HEAD'], { okCodes: [1] }),
    git(repo.root, ['status', '--porcelain=v2', '-z', '--untracked-files=all', '--branch']),
    fsp.readFile(path.join(repo.gitDir, 'index')).catch(() => Buffer.alloc(0)),
  ])
  const hash = createHash('sha256')
  hash.update(`${head.stdout.trim()}\0`)
  hash.update(index.subarray(Math.max(0, index.length - 32)))
  hash.update(status.stdout)
  const paths = listedPaths(splitZ(status.stdout))
  const stats = await Promise.all(
    paths.map((p) =>
      fsp.lstat(path.join(repo.root, p)).then(
        (s) => `${p}:${s.size}:${s.mtimeMs}:${s.mode}`,
        () => `${p}:gone`,
      ),
    ),
  )
  hash.update(stats.join('\0'))
  return hash.digest('hex').slice(0, 32)
}

// Fields before the path in each porcelain v2 record kind; a rename's record is followed by its
// original path as a record of its own.
const FIELDS: Record<string, number> = { '1': 8, '2': 9, u: 10, '?': 1 }

function listedPaths(records: string[]): string[] {
  const paths: string[] = []
  for (let i = 0; i < records.length; i++) {
    const record = records[i] ?? ''
    const fields = FIELDS[record[0] ?? '']
    if (fields === undefined) continue
    paths.push(record.split(' ').slice(fields).join(' '))
    if (record[0] === '2') i++
  }
  return paths
}
