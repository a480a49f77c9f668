import type { EnvVar } from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import { diffEnv, type EnvDiff } from '../../core/env/diff.js'
import type { EnvBackup, SecretPayload, SecretVar } from '../../core/env/types.js'
import { CpoError } from '../../errors.js'
import { IDENTITY_VAR, type KeyOptions, PASSPHRASE_VAR } from './crypto.js'
import { openPayload, readBackupFile } from './files.js'
import { type LocalFile, readLocalEnvFiles, readLocalFile } from './local-files.js'
import { type EnvSource, envSource } from './source.js'

/** What a restore of local files would do, by path (no bytes). */
export interface LocalDiff {
  added: string[]
  changed: string[]
  unchanged: string[]
  /** .env files the backup does not have: removed with --prune, else left. */
  extra: string[]
}

export type EnvPlanView =
  | {
      scope: 'platform'
      file: string
      platform: string
      where: string
      valuesCompared: boolean
      diff: EnvDiff
    }
  | { scope: 'local'; file: string; valuesCompared: boolean; diff: LocalDiff }

/** The plan plus what applying it needs (values included): never printed or journaled. */
export type EnvPlan = EnvPlanView &
  (
    | {
        scope: 'platform'
        backup: EnvBackup
        payload: SecretPayload | null
        source: EnvSource
        live: EnvVar[]
      }
    | {
        scope: 'local'
        backup: EnvBackup
        payload: SecretPayload | null
        now: Map<string, LocalFile>
      }
  )

export interface PlanOptions {
  local?: boolean
  platform?: string
  identityFile?: string
  env?: NodeJS.ProcessEnv
  /** Values are needed (restore), not only welcome (diff). */
  needValues: boolean
}

export async function planEnv(repo: Repo, file: string, o: PlanOptions): Promise<EnvPlan> {
  const env = o.env ?? process.env
  const backup = await readBackupFile(file)
  if (o.local && backup.source.kind !== 'local') {
    throw new CpoError(
      'ENV_BACKUP_MISMATCH',
      'invalidInput',
      `${file} holds ${backup.source.platform} variables, not local .env files`,
      {
        hint: `Restore it without --local: cpo env restore ${file}`,
      },
    )
  }
  const keys: KeyOptions = { env, ...(o.identityFile ? { identityFile: o.identityFile } : {}) }
  const haveKey =
    backup.encrypted?.kind === 'passphrase'
      ? Boolean(env[PASSPHRASE_VAR])
      : Boolean(env[IDENTITY_VAR] || o.identityFile)
  if (o.needValues && !backup.encrypted) {
    throw new CpoError(
      'ENV_BACKUP_HAS_NO_VALUES',
      'invalidInput',
      `${file} is a redacted backup: it holds names, not values, so nothing can be restored from it`,
      {
        hint: 'Restore from a backup made with `cpo env backup --encrypt`.',
      },
    )
  }
  const payload =
    backup.encrypted && (o.needValues || haveKey) ? await openPayload(backup, file, keys) : null
  if (backup.source.kind === 'local') {
    const now = new Map((await readLocalEnvFiles(repo)).map((f) => [f.path, f]))
    const wanted =
      payload?.files ?? backup.files.map((f) => ({ path: f.path, mode: f.mode, bytes: null }))
    const diff: LocalDiff = { added: [], changed: [], unchanged: [], extra: [] }
    for (const w of wanted) {
      const current = now.get(w.path) ?? (await readLocalFile(repo, w.path))
      if (!current) diff.added.push(w.path)
      else if (w.bytes === null) diff.unchanged.push(w.path)
      else if (current.bytes.equals(Buffer.from(w.bytes, 'base64'))) diff.unchanged.push(w.path)
      else diff.changed.push(w.path)
    }
    for (const p of now.keys()) if (!wanted.some((w) => w.path === p)) diff.extra.push(p)
    return { scope: 'local', file, valuesCompared: payload !== null, diff, backup, payload, now }
  }
  const source = await envSource(repo, backup.source.platform, env)
  const live = await source.store.list()
  const wanted: SecretVar[] =
    payload?.variables ?? backup.variables.map((v) => ({ ...v, value: null }))
  return {
    scope: 'platform',
    file,
    platform: source.platform.name,
    where: source.platform.target,
    valuesCompared: payload !== null,
    diff: diffEnv(wanted, live, payload !== null),
    backup,
    payload,
    source,
    live,
  }
}

/** The plan without anything secret: what is printed, put in --json and returned by a dry run. */
export function viewOf(p: EnvPlan): EnvPlanView {
  return p.scope === 'platform'
    ? {
        scope: 'platform',
        file: p.file,
        platform: p.platform,
        where: p.where,
        valuesCompared: p.valuesCompared,
        diff: p.diff,
      }
    : { scope: 'local', file: p.file, valuesCompared: p.valuesCompared, diff: p.diff }
}
