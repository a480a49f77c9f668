import { COMPRESSIONS, type Compression } from '../../core/backup/manifest.js'
import { parsePolicy } from '../../core/retention/index.js'
import { CpoError } from '../../errors.js'
import { createBackup } from '../../ops/backup/create.js'
import { type BackupListing, legacyOf, listBackups } from '../../ops/backup/list.js'
import { locateBackup, requireCheckable } from '../../ops/backup/locate.js'
import { setPinned } from '../../ops/backup/pin.js'
import { pruneBackups } from '../../ops/backup/prune.js'
import { damagedError } from '../../ops/backup/restore.js'
import { chooseStore, projectName } from '../../ops/backup/store-location.js'
import { verifyBackup } from '../../ops/backup/verify.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import { confirm } from '../confirm.js'
import { listLines, shortTime, table } from '../format.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'
import { ago, bytes, progressTo } from './backup-format.js'

interface StoreOption {
  store?: string
}

const storeOf = (g: GlobalOptions, o: StoreOption) =>
  chooseStore({ store: o.store, cwd: g.cwd, repo: () => openProjectRepo(g.cwd, g) })

export async function create(
  g: GlobalOptions,
  o: StoreOption & { tag?: string[]; compression?: string; pin?: boolean; withDb?: boolean },
): Promise<CommandOutput> {
  const compression = parseCompression(o.compression)
  const repo = await openProjectRepo(g.cwd, g)
  const store = await storeOf(g, o)
  const r = await createBackup(repo, store, {
    project: await projectName(repo),
    tags: o.tag ?? [],
    ...(compression ? { compression } : {}),
    pin: o.pin === true,
    ...(o.withDb ? { withDb: true } : {}),
    ...(g.wait === undefined ? {} : { wait: g.wait }),
    ...progressTo(g),
  })
  const legacy = await legacyOf(store)
  const lines = [
    `backup ${r.id} created (${bytes(r.archive.size)}, ${r.compression}, ${r.entries} entries, ${r.refs} refs) in ${(r.durationMs / 1000).toFixed(1)} s`,
    `store: ${r.store}`,
    ...(r.db
      ? [
          `database: ${r.db.database} (${r.db.engine}, ${bytes(r.db.size)}, from ${r.db.source}) in ${r.db.path}`,
        ]
      : []),
    ...(r.env?.redacted.length
      ? [`env template from ${r.env.source}, values redacted: ${r.env.redacted.join(', ')}`]
      : []),
    ...listLines(
      'not backed up:',
      r.skipped.map((s) => `${s.path} (${s.reason})`),
    ),
    ...r.warnings.map((w) => `warning: ${w.message} (backed up as it is)`),
    `check it with: cpo backup verify ${r.id}`,
    ...legacyLines(legacy, true),
  ]
  return { data: { ...r, legacy }, text: lines.join('\n') }
}

/** Said once per output when backups lie in the old default location. */
function legacyLines(legacy: BackupListing['legacy'], created: boolean): string[] {
  if (!legacy) return []
  const where = created
    ? 'this backup went to the new location above'
    : 'new backups go to the store above'
  return [
    `note: ${legacy.ids.length} older backup(s) lie in ${legacy.store}, the old default location (named after the project only); they are listed, verified and restored from there, and ${where}`,
  ]
}

function parseCompression(value: string | undefined): Compression | undefined {
  if (value === undefined) return undefined
  if ((COMPRESSIONS as readonly string[]).includes(value)) return value as Compression
  throw new CpoError(
    'USAGE',
    'usage',
    `--compression must be one of ${COMPRESSIONS.join(', ')}, got ${JSON.stringify(value)}`,
  )
}

export async function list(g: GlobalOptions, o: StoreOption): Promise<CommandOutput> {
  const listing = await listBackups(await storeOf(g, o))
  const now = Date.now()
  const old = new Set(listing.legacy?.ids ?? [])
  const rows = listing.backups.map((b) => [
    old.has(b.id) ? `${b.id} (old location)` : b.id,
    b.status === 'complete' ? 'complete' : b.status.toUpperCase(),
    bytes(b.size),
    ago(b.time, now),
    b.tags.join(',') || '-',
    b.verifiedAt ? `${shortTime(b.verifiedAt)}${b.verifiedDeep ? ' (deep)' : ''}` : '-',
    b.pinned ? 'pinned' : '',
  ])
  const text =
    listing.backups.length === 0
      ? `no backups in ${listing.store} (make one with \`cpo backup create\`)`
      : [
          `store: ${listing.store}`,
          table(['ID', 'STATUS', 'SIZE', 'AGE', 'TAGS', 'VERIFIED', 'PIN'], rows),
          ...listing.backups
            .filter((b) => b.status !== 'complete')
            .map((b) => `${b.id}: ${b.problem}`),
          ...legacyLines(listing.legacy, false),
        ].join('\n')
  return { data: listing, text }
}

export async function verify(
  g: GlobalOptions,
  ref: string,
  o: StoreOption & { deep?: boolean },
): Promise<CommandOutput> {
  const repo = () => openProjectRepo(g.cwd, g)
  const { store, backup } = await locateBackup(ref, { store: o.store, cwd: g.cwd, repo })
  requireCheckable(backup)
  const r = await verifyBackup(store, backup, {
    deep: o.deep === true,
    repo,
    ...(g.wait === undefined ? {} : { wait: g.wait }),
    ...progressTo(g),
  })
  const unrecorded = r.recorded
    ? ''
    : ` The result was not recorded: the store is locked by another run; verify again with --wait.`
  if (!r.ok) throw damagedError(r.id, r.problems, 'verify', unrecorded)
  const what = r.deep ? 'verified and test-restored' : 'verified'
  const lines = [
    `backup ${r.id} ${what}: ${r.entries} entries and ${r.refs} refs match the manifest (${(r.durationMs / 1000).toFixed(1)} s)`,
    ...r.warnings.map((w) => `warning: ${w.message} (the backup holds it as the project had it)`),
    ...(unrecorded ? [`note:${unrecorded}`] : []),
  ]
  return { data: r, text: lines.join('\n') }
}

export async function prune(
  g: GlobalOptions,
  o: StoreOption & Record<string, unknown> & { dryRun?: boolean },
): Promise<CommandOutput> {
  const policy = parsePolicy(o)
  const store = await storeOf(g, o)
  const wait = g.wait === undefined ? {} : { wait: g.wait }
  let report = await pruneBackups(store, policy, { dryRun: true, ...wait })
  if (!o.dryRun && report.remove.length > 0) {
    await confirm(g, `remove ${report.remove.length} backup(s) from ${store.location}?`)
    report = await pruneBackups(store, policy, {
      onlyIds: new Set(report.remove.map((r) => r.id)),
      ...wait,
    })
  } else if (!o.dryRun) report = { ...report, dryRun: false }
  const verb = report.dryRun ? 'would remove' : 'removed'
  const width = report.remove.length > 0 ? verb.length : 4
  const lines = [
    `policy: ${report.policy}`,
    ...report.keep.map((k) => `${'keep'.padEnd(width)}  ${k.id}  ${k.reasons.join(', ')}`),
    ...report.remove.map((k) => `${verb.padEnd(width)}  ${k.id}  ${k.reasons.join(', ')}`),
    report.dryRun
      ? `dry run: ${report.remove.length} backup(s) would be removed, ${report.keep.length} kept`
      : `${report.removed.length} backup(s) removed, ${report.keep.length} kept`,
  ]
  // Dry runs and real runs share one shape: the plan (kept and removed), the result when it ran.
  const plan = { keep: report.keep, remove: report.remove }
  const result = report.dryRun ? {} : { result: { removed: report.removed } }
  return { data: { ...report, plan, ...result }, text: lines.join('\n') }
}

async function pinning(
  g: GlobalOptions,
  ref: string,
  o: StoreOption,
  pinned: boolean,
): Promise<CommandOutput> {
  const r = await setPinned(await storeOf(g, o), ref, pinned, g.wait)
  const state = pinned ? 'pinned' : 'unpinned'
  return {
    data: r,
    text: r.changed ? `backup ${r.id} ${state}` : `backup ${r.id} was already ${state}`,
  }
}

export const pin = (g: GlobalOptions, ref: string, o: StoreOption) => pinning(g, ref, o, true)
export const unpin = (g: GlobalOptions, ref: string, o: StoreOption) => pinning(g, ref, o, false)
