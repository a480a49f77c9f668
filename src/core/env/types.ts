import { CpoError } from '../../errors.js'

/**
 * The env backup file (README.md, "Env vars"): one JSON document. What anyone may read (names,
 * types, targets, a redacted template) is in the clear; values, when kept at all, only inside
 * `encrypted.age`, an armored age file whose plaintext is a `SecretPayload`.
 */
export const BACKUP_FORMAT = 'cpo-env-backup/1'

export type VarType = 'plain' | 'secret' | 'sensitive' | 'system' | 'reference'

/** Where a variable lives: its name, the environments it applies to, its branch. */
export interface Slot {
  key: string
  targets: string[]
  branch: string | null
}

export interface BackupVar extends Slot {
  type: VarType
  /** False when the platform never gives the value back (write-only secrets). */
  recoverable: boolean
}

export interface BackupFileEntry {
  path: string
  mode: number
  /** The file with secret values replaced by REDACTED. */
  template: string
}

export type Encryption = { kind: 'passphrase' } | { kind: 'recipients'; recipients: string[] }

export interface EnvBackup {
  format: typeof BACKUP_FORMAT
  createdAt: string
  source: { kind: 'platform'; platform: string; where: string } | { kind: 'local' }
  variables: BackupVar[]
  /** "KEY [production]" for every variable whose value cannot be backed up. */
  notRecoverable: string[]
  /** dotenv-style text per target, values redacted. */
  template: string
  files: BackupFileEntry[]
  encrypted: (Encryption & { age: string }) | null
}

export interface SecretVar extends Slot {
  type: VarType
  value: string | null
}

export interface SecretFile {
  path: string
  mode: number
  /** base64 of the file's bytes. */
  bytes: string
}

export interface SecretPayload {
  variables: SecretVar[]
  files: SecretFile[]
}

export const slotId = (s: Slot): string =>
  `${s.key}\u0000${[...s.targets].sort().join(',')}\u0000${s.branch ?? ''}`

export const slotText = (s: Slot): string =>
  `${s.key} [${s.targets.join(', ') || 'all'}${s.branch ? ` @${s.branch}` : ''}]`

export const slotOf = (s: Slot): Slot => ({ key: s.key, targets: [...s.targets], branch: s.branch })

/** Checks a parsed backup file; a clear error says what is wrong with it. */
export function parseBackup(value: unknown, file: string): EnvBackup {
  const bad = (what: string) =>
    new CpoError('ENV_BACKUP_INVALID', 'invalidInput', `${file} is not a cpo env backup: ${what}`, {
      hint: 'Pass a file written by `cpo env backup` (see `cpo env backup --help`).',
    })
  if (value === null || typeof value !== 'object') throw bad('not a JSON object')
  const b = value as Partial<EnvBackup>
  if (b.format !== BACKUP_FORMAT)
    throw bad(`format is ${JSON.stringify(b.format)}, not ${BACKUP_FORMAT}`)
  if (!b.source || (b.source.kind !== 'local' && b.source.kind !== 'platform'))
    throw bad('no source')
  if (!Array.isArray(b.variables) || !Array.isArray(b.files))
    throw bad('no variables or files list')
  if (
    b.encrypted !== null &&
    (typeof b.encrypted !== 'object' || typeof b.encrypted.age !== 'string')
  ) {
    throw bad('the encrypted part is damaged')
  }
  return b as EnvBackup
}

export function parsePayload(value: unknown, file: string): SecretPayload {
  const p = value as Partial<SecretPayload> | null
  if (!p || !Array.isArray(p.variables) || !Array.isArray(p.files)) {
    throw new CpoError(
      'ENV_BACKUP_INVALID',
      'invalidInput',
      `${file}: the decrypted values are damaged`,
      {
        hint: 'Use another backup (`cpo env backup --encrypt` makes a new one).',
      },
    )
  }
  return p as SecretPayload
}
