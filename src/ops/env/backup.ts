import type { Repo } from '../../adapters/repo.js'
import { encryptionFor } from './crypto.js'
import { defaultBackupPath, localBackup, platformBackup, writeBackupFile } from './files.js'
import { readLocalEnvFiles } from './local-files.js'
import { envSource } from './source.js'

export interface EnvBackupOptions {
  platform?: string
  local?: boolean
  to?: string
  encrypt?: boolean
  recipients?: string[]
  env?: NodeJS.ProcessEnv
}

export interface EnvBackupReport {
  file: string
  source: string
  encrypted: boolean
  /** Variables (platform) or files (local) kept. */
  count: number
  names: string[]
  notRecoverable: string[]
}

/**
 * `cpo env backup`: every variable of the platform (or every local .env file) with its metadata
 * and a redacted template; with --encrypt the values too, encrypted. It reads only: nothing to
 * journal or undo.
 */
export async function backupEnv(repo: Repo, o: EnvBackupOptions = {}): Promise<EnvBackupReport> {
  const env = o.env ?? process.env
  const how = o.encrypt
    ? encryptionFor({ env, ...(o.recipients ? { recipients: o.recipients } : {}) })
    : null
  if (o.local) {
    const files = await readLocalEnvFiles(repo)
    const backup = await localBackup(files, how, env)
    const file = o.to ?? defaultBackupPath(repo, 'local')
    await writeBackupFile(file, backup)
    return {
      file,
      source: 'local .env files',
      encrypted: how !== null,
      count: files.length,
      names: files.map((f) => f.path),
      notRecoverable: [],
    }
  }
  const { platform, store } = await envSource(repo, o.platform, env)
  const vars = await store.list()
  const backup = await platformBackup(
    { platform: platform.name, where: platform.target },
    vars,
    how,
    env,
  )
  const file = o.to ?? defaultBackupPath(repo, platform.name)
  await writeBackupFile(file, backup)
  return {
    file,
    source: `${platform.name} ${platform.target}`,
    encrypted: how !== null,
    count: vars.length,
    names: [...new Set(vars.map((v) => v.key))],
    notRecoverable: backup.notRecoverable,
  }
}
