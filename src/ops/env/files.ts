import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from '../../adapters/fs.js'
import type { EnvVar } from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import { platformTemplate } from '../../core/env/template.js'
import {
  BACKUP_FORMAT,
  type Encryption,
  type EnvBackup,
  parseBackup,
  parsePayload,
  type SecretPayload,
  type SecretVar,
  slotText,
} from '../../core/env/types.js'
import { redactEnv } from '../../core/redact/index.js'
import { CpoError } from '../../errors.js'
import { decrypt, encrypt, type KeyOptions } from './crypto.js'
import type { LocalFile } from './local-files.js'

/**
 * Backup files and restore before-states. Both are the same format (a restore's before-state
 * is itself a backup) and both are written atomically with mode 0600 in directories only the
 * user can enter: `.git/cpo/env/backups/` by default, `.git/cpo/env/before/` for restores.
 */

export const envDir = (repo: Repo, sub: 'backups' | 'before') => path.join(repo.cpoDir, 'env', sub)

export function defaultBackupPath(repo: Repo, label: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return path.join(envDir(repo, 'backups'), `${label}-${stamp}.json`)
}

export async function writeBackupFile(file: string, backup: EnvBackup): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  await writeFileAtomic(file, `${JSON.stringify(backup, null, 2)}\n`, { mode: 0o600 })
  await fsp.chmod(file, 0o600)
}

export async function readBackupFile(file: string): Promise<EnvBackup> {
  const text = await fsp.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new CpoError(
      'ENV_BACKUP_NOT_FOUND',
      'notFound',
      `cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`,
      {
        hint: 'Pass a file written by `cpo env backup` (they are under .git/cpo/env/backups/ by default).',
      },
    )
  })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = null
  }
  return parseBackup(value, file)
}

/** The values of an encrypted backup; a redacted one has none. */
export async function openPayload(
  b: EnvBackup,
  file: string,
  keys: KeyOptions,
): Promise<SecretPayload | null> {
  if (!b.encrypted) return null
  const text = await decrypt(b.encrypted.age, b.encrypted, keys, file)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = null
  }
  return parsePayload(value, file)
}

export const encryptionOf = (b: EnvBackup): Encryption | null =>
  b.encrypted === null
    ? null
    : b.encrypted.kind === 'passphrase'
      ? { kind: 'passphrase' }
      : { kind: 'recipients', recipients: b.encrypted.recipients }

async function seal(
  payload: SecretPayload,
  how: Encryption | null,
  env: NodeJS.ProcessEnv,
): Promise<EnvBackup['encrypted']> {
  if (!how) return null
  return { ...how, age: await encrypt(JSON.stringify(payload), how, env) }
}

export async function platformBackup(
  source: { platform: string; where: string },
  vars: Array<EnvVar | SecretVar>,
  how: Encryption | null,
  env: NodeJS.ProcessEnv,
): Promise<EnvBackup> {
  const secret: SecretVar[] = vars.map((v) => ({
    key: v.key,
    targets: [...v.targets],
    branch: v.branch ?? null,
    type: v.type,
    value: v.value,
  }))
  return {
    format: BACKUP_FORMAT,
    createdAt: new Date().toISOString(),
    source: { kind: 'platform', ...source },
    variables: secret.map((v) => ({
      key: v.key,
      targets: v.targets,
      branch: v.branch,
      type: v.type,
      recoverable: v.value !== null,
    })),
    notRecoverable: secret.filter((v) => v.value === null).map(slotText),
    template: platformTemplate(secret),
    files: [],
    encrypted: await seal({ variables: secret, files: [] }, how, env),
  }
}

export async function localBackup(
  files: LocalFile[],
  how: Encryption | null,
  env: NodeJS.ProcessEnv,
): Promise<EnvBackup> {
  return {
    format: BACKUP_FORMAT,
    createdAt: new Date().toISOString(),
    source: { kind: 'local' },
    variables: [],
    notRecoverable: [],
    template: '',
    files: files.map((f) => ({
      path: f.path,
      mode: f.mode,
      template: redactEnv(f.bytes.toString('utf8')).text,
    })),
    encrypted: await seal(
      {
        variables: [],
        files: files.map((f) => ({
          path: f.path,
          mode: f.mode,
          bytes: f.bytes.toString('base64'),
        })),
      },
      how,
      env,
    ),
  }
}
