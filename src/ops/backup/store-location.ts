import os from 'node:os'
import path from 'node:path'
import { readTextIfExists } from '../../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../../adapters/repo.js'
import { openStore } from '../../adapters/storage/open.js'
import type { BackupStore } from '../../adapters/storage/types.js'

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

/** `${XDG_DATA_HOME:-~/.local/share}/cpo/backups/<project>`. */
export function defaultStoreRoot(project: string, env: NodeJS.ProcessEnv = process.env): string {
  const data =
    env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : path.join(os.homedir(), '.local', 'share')
  return path.join(data, 'cpo', 'backups', storeSegment(project))
}

export interface StoreChoice {
  /** `--store`, else CPO_BACKUP_STORE, else the default for the project. */
  store?: string | undefined
  cwd: string
  env?: NodeJS.ProcessEnv
  /** Needed only for the default location. */
  repo?: () => Promise<Repo>
}

export async function chooseStore(choice: StoreChoice): Promise<BackupStore> {
  const env = choice.env ?? process.env
  const explicit = choice.store ?? (env.CPO_BACKUP_STORE || undefined)
  if (explicit !== undefined) return openStore(explicit, choice.cwd)
  if (choice.repo === undefined) throw new Error('no store given and no repository to default from')
  return openStore(defaultStoreRoot(await projectName(await choice.repo()), env), choice.cwd)
}
