import { randomBytes } from 'node:crypto'
import path from 'node:path'
import type { DeploymentConfig, EnvVar, EnvVarInput } from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import { type Encryption, type SecretPayload, type Slot, slotId } from '../../core/env/types.js'
import type { Effect } from '../../core/journal.js'
import { CpoError } from '../../errors.js'
import type { EffectHandler, RunEffect } from '../effects.js'
import {
  encryptionOf,
  envDir,
  localBackup,
  openPayload,
  platformBackup,
  readBackupFile,
  writeBackupFile,
} from './files.js'
import { type LocalFile, readLocalFile, removeLocalFile, writeLocalFile } from './local-files.js'
import { openEnvSource } from './source.js'

/**
 * Env vars written by a restore (ARCHITECTURE.md, "Effects outside git"). The journal holds
 * names only; the values that were there before sit in an encrypted before-state file under
 * `.git/cpo/env/before/` (mode 0600), written before the step, so a revert can put them back.
 */
export interface EnvStep {
  scope: 'platform' | 'local'
  /** Ids to open the platform again (platform scope); never a token. */
  config?: DeploymentConfig
  /** The before-state file, relative to .git/cpo. */
  beforeFile: string
  /** The variables the step writes or removes (platform scope). */
  slots: Slot[]
  /** The files it writes or removes (local scope). */
  paths: string[]
}

export type EnvEffect = Effect & EnvStep & { kind: 'env' }

export const envEffect = (s: EnvStep): EnvEffect => ({ kind: 'env', ...s })

export function newBeforeFile(
  repo: Repo,
  id: string = randomBytes(6).toString('hex'),
): { full: string; rel: string } {
  const full = path.join(envDir(repo, 'before'), `${id}.json`)
  return { full, rel: path.relative(repo.cpoDir, full) }
}

export const envHandler: EffectHandler = {
  async revert(repo, effect, run) {
    const e = effect as unknown as EnvEffect
    const file = path.join(repo.cpoDir, e.beforeFile)
    const before = await readBackupFile(file)
    const how = encryptionOf(before)
    const payload = await openPayload(before, file, { env: process.env })
    if (!how || !payload) {
      throw new CpoError(
        'ENV_BACKUP_INVALID',
        'internal',
        `${file} holds no encrypted before-state`,
        {
          hint: 'The values from before cannot be put back automatically; see the file.',
        },
      )
    }
    if (e.scope === 'local') await revertLocal(repo, e, payload, how, run)
    else await revertPlatform(repo, e, payload, how, run)
  },
  describe(effect) {
    const e = effect as unknown as EnvEffect
    return e.scope === 'local'
      ? `put back ${e.paths.join(', ')} as they were before (from ${e.beforeFile})`
      : `put back ${e.slots.length} ${e.config?.platform ?? ''} env var(s) as they were before (from ${e.beforeFile})`
  },
}

async function revertPlatform(
  repo: Repo,
  e: EnvEffect,
  payload: SecretPayload,
  how: Encryption,
  run: RunEffect,
): Promise<void> {
  if (!e.config) throw new Error('an env effect on a platform has no config')
  const source = await openEnvSource(repo, e.config)
  const live = await source.store.list()
  const liveBy = new Map(live.map((v) => [slotId(v), v]))
  const beforeBy = new Map(payload.variables.map((v) => [slotId(v), v]))
  const writes: EnvVarInput[] = []
  const removes: EnvVar[] = []
  for (const slot of e.slots) {
    const id = slotId(slot)
    const b = beforeBy.get(id)
    const l = liveBy.get(id)
    if (b && b.value !== null) {
      if (!l || l.value !== b.value) {
        writes.push({
          key: b.key,
          value: b.value,
          type: b.type,
          targets: b.targets,
          branch: b.branch,
        })
      }
    } else if (!b && l) removes.push(l)
  }
  if (writes.length === 0 && removes.length === 0) return
  const touched = new Set(e.slots.map(slotId))
  const next = newBeforeFile(repo)
  await writeBackupFile(
    next.full,
    await platformBackup(
      { platform: source.platform.name, where: source.platform.target },
      live.filter((v) => touched.has(slotId(v))),
      how,
      process.env,
    ),
  )
  await run(envEffect({ ...e, beforeFile: next.rel }), async () => {
    if (writes.length > 0) await source.store.upsert(writes)
    for (const r of removes) await source.store.remove(r)
  })
}

async function revertLocal(
  repo: Repo,
  e: EnvEffect,
  payload: SecretPayload,
  how: Encryption,
  run: RunEffect,
): Promise<void> {
  const beforeBy = new Map(payload.files.map((f) => [f.path, Buffer.from(f.bytes, 'base64')]))
  const now: LocalFile[] = []
  const steps: Array<{ path: string; bytes: Buffer | null }> = []
  for (const p of e.paths) {
    const current = await readLocalFile(repo, p)
    if (current) now.push(current)
    const b = beforeBy.get(p) ?? null
    if (b === null ? current !== undefined : !current?.bytes.equals(b))
      steps.push({ path: p, bytes: b })
  }
  if (steps.length === 0) return
  // What the revert replaces is kept first, encrypted, like the restore's own before-state.
  const next = newBeforeFile(repo)
  await writeBackupFile(next.full, await localBackup(now, how, process.env))
  await run(envEffect({ ...e, beforeFile: next.rel }), async () => {
    for (const s of steps) {
      if (s.bytes === null) await removeLocalFile(repo, s.path)
      else await writeLocalFile(repo, s.path, s.bytes)
    }
  })
}
