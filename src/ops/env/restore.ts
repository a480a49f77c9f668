import { failpoint } from '../../adapters/failpoint.js'
import type { EnvVar, EnvVarInput } from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import { type Slot, slotId, slotOf } from '../../core/env/types.js'
import { CpoError } from '../../errors.js'
import type { RunEffect } from '../effects.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { envEffect, newBeforeFile } from './effect.js'
import { encryptionOf, localBackup, platformBackup, writeBackupFile } from './files.js'
import { type LocalFile, readLocalFile, removeLocalFile, writeLocalFile } from './local-files.js'
import { type EnvPlan, type EnvPlanView, planEnv, viewOf } from './plan.js'

export interface EnvRestoreOptions {
  dryRun?: boolean
  prune?: boolean
  local?: boolean
  identityFile?: string
  wait?: number
  env?: NodeJS.ProcessEnv
}

export interface EnvRestoreResult {
  /** Variables (platform) or files (local) written. */
  written: string[]
  removed: string[]
  /** Write-only on the platform: never removed, since nothing could bring them back. */
  notPruned: Slot[]
  beforeFile: string | null
}

export type EnvRestoreOutcome =
  | { dryRun: true; plan: EnvPlanView; prune: boolean }
  | ({ dryRun: false; plan: EnvPlanView; prune: boolean } & OperationReport & EnvRestoreResult)

/**
 * `cpo env restore <file>`: upserts the backup's values (without a redeploy where the platform
 * allows), removes what the backup lacks only with --prune. One journaled operation whose
 * platform or file write is an `env` effect: what it replaces is saved first, encrypted, so
 * `cpo undo` puts it back.
 */
export async function restoreEnv(
  repo: Repo,
  file: string,
  o: EnvRestoreOptions = {},
): Promise<EnvRestoreOutcome> {
  const env = o.env ?? process.env
  const prune = o.prune === true
  const outcome = await runOperation(repo, {
    command: 'env restore',
    args: [file, ...(prune ? ['--prune'] : []), ...(o.local ? ['--local'] : [])],
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(o.wait === undefined ? {} : { wait: o.wait }),
    captureAfter: o.local === true,
    plan: async (r) =>
      planEnv(r, file, {
        needValues: true,
        env,
        ...(o.local ? { local: true } : {}),
        ...(o.identityFile ? { identityFile: o.identityFile } : {}),
      }),
    apply: async (ctx, plan) => {
      const before = newBeforeFile(ctx.repo, ctx.opId)
      const result =
        plan.scope === 'platform'
          ? await applyPlatform(plan, prune, before, env, ctx.runEffect)
          : await applyLocal(ctx.repo, plan, prune, before, env, ctx.runEffect)
      const what = plan.scope === 'platform' ? `${plan.platform} env vars` : 'local .env files'
      return {
        summary: `${what} restored from ${file}: ${result.written.length} written, ${result.removed.length} removed`,
        result,
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: viewOf(outcome.plan), prune }
  return {
    dryRun: false,
    plan: viewOf(outcome.plan),
    prune,
    ...reportOf(outcome),
    ...outcome.result,
  }
}

type Before = { full: string; rel: string }

async function applyPlatform(
  plan: Extract<EnvPlan, { scope: 'platform' }>,
  prune: boolean,
  before: Before,
  env: NodeJS.ProcessEnv,
  run: RunEffect,
): Promise<EnvRestoreResult> {
  const how = encryptionOf(plan.backup)
  const payload = plan.payload
  if (!how || !payload) throw new Error('a restore plan without values')
  const wanted = new Map(payload.variables.map((v) => [slotId(v), v]))
  const writes: EnvVarInput[] = [...plan.diff.added, ...plan.diff.changed].map((s) => {
    const v = wanted.get(slotId(s))
    if (!v || v.value === null) throw new Error(`no value for ${s.key}`)
    return { key: v.key, value: v.value, type: v.type, targets: v.targets, branch: v.branch }
  })
  const liveBy = new Map(plan.live.map((v) => [slotId(v), v]))
  const extra = plan.diff.extra.map((s) => liveBy.get(slotId(s))).filter((v): v is EnvVar => !!v)
  const removes = prune ? extra.filter((v) => v.value !== null) : []
  const notPruned = prune ? extra.filter((v) => v.value === null).map(slotOf) : []
  const result = {
    written: writes.map((w) => w.key),
    removed: removes.map((r) => r.key),
    notPruned,
    beforeFile: null as string | null,
  }
  if (writes.length === 0 && removes.length === 0) return result
  const touched: Slot[] = [
    ...writes.map((w) => slotOf({ ...w, branch: w.branch ?? null })),
    ...removes.map(slotOf),
  ]
  const ids = new Set(touched.map(slotId))
  await writeBackupFile(
    before.full,
    await platformBackup(
      { platform: plan.platform, where: plan.where },
      plan.live.filter((v) => ids.has(slotId(v))),
      how,
      env,
    ),
  )
  failpoint('env-before-saved')
  await run(
    envEffect({
      scope: 'platform',
      config: plan.source.config,
      beforeFile: before.rel,
      slots: touched,
      paths: [],
    }),
    async () => {
      if (writes.length > 0) await plan.source.store.upsert(writes)
      for (const r of removes) await plan.source.store.remove(r)
      failpoint('env-written')
    },
  )
  return { ...result, beforeFile: before.full }
}

async function applyLocal(
  repo: Repo,
  plan: Extract<EnvPlan, { scope: 'local' }>,
  prune: boolean,
  before: Before,
  env: NodeJS.ProcessEnv,
  run: RunEffect,
): Promise<EnvRestoreResult> {
  const how = encryptionOf(plan.backup)
  const payload = plan.payload
  if (!how || !payload) throw new Error('a restore plan without values')
  const wanted = new Map(payload.files.map((f) => [f.path, Buffer.from(f.bytes, 'base64')]))
  const writes = [...plan.diff.added, ...plan.diff.changed]
  const removes = prune ? plan.diff.extra : []
  const result = {
    written: writes,
    removed: removes,
    notPruned: [],
    beforeFile: null as string | null,
  }
  if (writes.length === 0 && removes.length === 0) return result
  const touched = [...writes, ...removes]
  const existing = touched.map((p) => plan.now.get(p)).filter((f): f is LocalFile => !!f)
  await writeBackupFile(before.full, await localBackup(existing, how, env))
  failpoint('env-before-saved')
  await run(
    envEffect({ scope: 'local', beforeFile: before.rel, slots: [], paths: touched }),
    async () => {
      // Compare before destroy (ARCHITECTURE.md §4): a file saved since the plan read it is not
      // in the before-state, so nothing is replaced when one has.
      for (const p of touched) {
        const now = await readLocalFile(repo, p)
        const seen = plan.now.get(p)
        if ((now?.bytes.toString('base64') ?? null) !== (seen?.bytes.toString('base64') ?? null)) {
          throw new CpoError(
            'FILE_CHANGED',
            'conflict',
            `${p} changed while cpo was restoring it; your version is kept`,
            {
              hint: 'Run the command again (it reads the file anew).',
            },
          )
        }
      }
      for (const p of touched) {
        const bytes = wanted.get(p)
        if (bytes) await writeLocalFile(repo, p, bytes)
        else await removeLocalFile(repo, p)
      }
    },
  )
  return { ...result, beforeFile: before.full }
}
