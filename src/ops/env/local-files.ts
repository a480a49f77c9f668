import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from '../../adapters/fs.js'
import type { Repo } from '../../adapters/repo.js'
import { CpoError } from '../../errors.js'

/**
 * The local `.env*` files at the top of the repository (README.md, "Env vars"). They are
 * usually ignored by git, so no snapshot holds them: what a restore replaces is kept in its
 * encrypted before-state instead.
 */

const ENV_NAME = /^\.env(?:\.[\w.-]+)?$/

export interface LocalFile {
  path: string
  mode: number
  bytes: Buffer
}

export async function readLocalEnvFiles(repo: Repo): Promise<LocalFile[]> {
  const names = (await fsp.readdir(repo.root)).filter((n) => ENV_NAME.test(n)).sort()
  const out: LocalFile[] = []
  for (const name of names) {
    const file = await readLocalFile(repo, name)
    if (file) out.push(file)
  }
  return out
}

/** undefined when absent; a directory or a link under that name is refused. */
export async function readLocalFile(repo: Repo, rel: string): Promise<LocalFile | undefined> {
  const full = localPath(repo, rel)
  const st = await fsp.lstat(full).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined
    throw e
  })
  if (!st) return undefined
  if (!st.isFile()) {
    throw new CpoError(
      'ENV_FILE_NOT_REGULAR',
      'conflict',
      `${rel} is not a regular file (a link or a directory)`,
      {
        hint: `Move ${rel} aside, then run again.`,
      },
    )
  }
  return { path: rel, mode: st.mode & 0o7777, bytes: await fsp.readFile(full) }
}

/** Atomic, 0600: env files hold secrets. */
export async function writeLocalFile(repo: Repo, rel: string, bytes: Buffer): Promise<void> {
  await writeFileAtomic(localPath(repo, rel), bytes, { mode: 0o600 })
  await fsp.chmod(localPath(repo, rel), 0o600)
}

export async function removeLocalFile(repo: Repo, rel: string): Promise<void> {
  await fsp.rm(localPath(repo, rel), { force: true })
}

/** A backup names files at the top of the repository only. */
export function localPath(repo: Repo, rel: string): string {
  if (!ENV_NAME.test(rel)) {
    throw new CpoError(
      'ENV_BACKUP_INVALID',
      'invalidInput',
      `the backup names ${JSON.stringify(rel)}, which is not a .env file at the top of the repository`,
      {
        hint: 'Use a backup written by `cpo env backup --local`.',
      },
    )
  }
  return path.join(repo.root, rel)
}
