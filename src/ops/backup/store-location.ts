import os from 'node:os'
import path from 'node:path'
import { readTextIfExists } from '../../adapters/fs.js'
import { git } from '../../adapters/git.js'
import { inRepo, type Repo, statePaths } from '../../adapters/repo.js'
import { openStore } from '../../adapters/storage/open.js'
import type { BackupStore } from '../../adapters/storage/types.js'
import { withLegacy } from './legacy-store.js'

/**
 * The project's name for store paths and manifests: `project.name` from master-project.json when
 * it is readable, else the directory name. A broken state file must not stop a backup (that is
 * when one is needed most).
 */
export async function projectName(repo: Repo): Promise<string> {
  const text = await readTextIfExists(inRepo(repo, statePaths(repo).project))
  if (text !== undefined) {
    try {
      const name = (JSON.parse(text) as { project?: { name?: unknown } }).project?.name
      if (typeof name === 'string' && name.trim() !== '') return name.trim()
    } catch {
      // fall back to the directory name
    }
  }
  return path.basename(repo.root)
}

/** A name that is one safe path segment: `My App!` → `My-App`. */
export function storeSegment(project: string): string {
  const s = project
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 100)
  return s === '' ? 'project' : s
}

/**
 * `${XDG_DATA_HOME:-~/.local/share}/cpo/backups/<project>-<root12>`: the project's name and the
 * first 12 digits of the repository's root commit, so two projects that share a name (two from
 * the same template) never share a store, while clones of one repository do. Without a root
 * commit (or from older callers) it is `<project>` alone, the location cpo used before.
 */
export function defaultStoreRoot(
  project: string,
  env: NodeJS.ProcessEnv = process.env,
  root?: string,
): string {
  const data =
    env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : path.join(os.homedir(), '.local', 'share')
  const name = storeSegment(project)
  return path.join(data, 'cpo', 'backups', root ? `${name}-${root.slice(0, 12)}` : name)
}

/**
 * The repository's root commit: the oldest one (by committer date, then id) reachable from a
 * branch, a tag or HEAD. Not from refs/cpo or notes: their histories start later, elsewhere.
 * Undefined when there are no commits yet.
 */
export async function rootCommit(repo: Repo): Promise<string | undefined> {
  const head = await git(repo.root, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], {
    okCodes: [1],
  })
  const { stdout } = await git(repo.root, [
    'log',
    '--max-parents=0',
    '--format=%ct %H',
    '--branches',
    '--tags',
    ...(head.stdout.trim() ? ['HEAD'] : []),
    '--',
  ])
  const roots = stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [time, id] = l.split(' ')
      return { time: Number(time), id: id as string }
    })
    .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1))
  return roots[0]?.id
}

export interface StoreChoice {
  /** `--store`, else CPO_BACKUP_STORE, else the default for the project. */
  store?: string | undefined
  cwd: string
  env?: NodeJS.ProcessEnv
  /** Needed only for the default location. */
  repo?: () => Promise<Repo>
}

/**
 * The store to use. The default one also reads the old location (`<project>` alone), so
 * backups made before it moved are still listed and restorable (legacy-store.ts).
 */
export async function chooseStore(choice: StoreChoice): Promise<BackupStore> {
  const env = choice.env ?? process.env
  const explicit = choice.store ?? (env.CPO_BACKUP_STORE || undefined)
  if (explicit !== undefined) return openStore(explicit, choice.cwd)
  if (choice.repo === undefined) throw new Error('no store given and no repository to default from')
  const repo = await choice.repo()
  const [name, root] = await Promise.all([projectName(repo), rootCommit(repo)])
  const primary = openStore(defaultStoreRoot(name, env, root), choice.cwd)
  if (root === undefined) return primary
  return withLegacy(primary, openStore(defaultStoreRoot(name, env), choice.cwd))
}
