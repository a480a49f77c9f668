import * as z from 'zod/mini'

/**
 * The `data` of each command's --json output (ARCHITECTURE.md §8). Objects are loose: a field
 * added later is not a break; the fields named here are the contract an agent may rely on.
 */
const str = z.string()
const num = z.number()
const bool = z.boolean()
const obj = z.looseObject
const arr = z.array
const nul = z.nullable
const strs = arr(str)

/** What every journaled operation reports: its id (for `cpo undo`) and the before-snapshot. */
const op = { opId: str, before: obj({ id: str }) }
/** Commands whose dry run is `{dryRun: true, plan}` and whose real run has the report. */
const dryOr = (plan: z.ZodMiniType, report: z.ZodMiniType) =>
  z.union([obj({ dryRun: z.literal(true), plan }), report])
/**
 * Dry run and real run in one shape (`planned` in src/cli/output.ts): `plan` in both, `result`
 * when it ran; the result's fields stay at the top too, where scripts read them.
 */
const planResult = (plan: z.ZodMiniType, result: Record<string, z.ZodMiniType>) =>
  z.union([
    obj({ dryRun: z.literal(true), plan }),
    obj({ ...result, dryRun: z.literal(false), plan, result: obj(result) }),
  ])

const checkResult = obj({
  id: str,
  kind: z.enum(['verification', 'state', 'drift', 'database', 'deployment']),
  title: str,
  status: z.enum(['pass', 'fail', 'skip', 'error']),
  evidence: str,
  durationMs: num,
  outputTail: z.optional(str),
  details: z.optional(z.unknown()),
})
const next = obj({ command: str, why: str })
const checkpoint = obj({
  name: str,
  kind: str,
  inferred: bool,
  commit: str,
  time: nul(str),
})
const deployment = obj({
  id: str,
  createdAt: str,
  commit: nul(str),
  url: nul(str),
  state: str,
  current: bool,
  rollbackCandidate: bool,
})
const operation = obj({ id: str, command: str, startedAt: str, status: str })
const snapshotMeta = obj({ id: str, kind: str, createdAt: str, head: nul(str) })
const rollbackPlan = obj({
  kind: str,
  scope: str,
  reason: str,
  target: obj({ name: str, commit: str }),
  mode: str,
})
const rollbackReport = obj({
  ...op,
  dryRun: z.optional(z.literal(false)),
  target: obj({ name: str, commit: str }),
  commit: str,
  discardedCommits: arr(obj({})),
  checklist: arr(obj({ id: str, when: str, status: z.enum(['ok', 'failed', 'skipped']) })),
  checklistNotLogged: nul(str),
  recovery: obj({ undo: str, paths: nul(str) }),
})
const undoReport = obj({
  ...op,
  written: strs,
  removed: strs,
  undone: operation,
})
const undoPlan = obj({ dryRun: z.literal(true), undone: operation, plan: obj({}) })
const backupId = obj({ id: str })
/** Names only, never values (README.md, "Env vars"): platform slots, or local file paths. */
const slots = arr(z.unknown())
const envPlan = z.union([
  obj({
    scope: z.literal('platform'),
    file: str,
    platform: str,
    where: str,
    valuesCompared: bool,
    diff: obj({ added: slots, changed: slots, unchanged: slots, extra: slots }),
  }),
  obj({
    scope: z.literal('local'),
    file: str,
    valuesCompared: bool,
    diff: obj({ added: strs, changed: strs, unchanged: strs, extra: strs }),
  }),
])

export const COMMAND_DATA: Record<string, z.ZodMiniType> = {
  init: obj({ ...op, initialized: obj({ tag: str, commit: str }), warnings: strs }),
  timeline: obj({
    phases: arr(obj({ number: num, name: str, state: str, checkpoints: arr(checkpoint) })),
    stages: arr(obj({ id: str, name: nul(str), status: str, checkpoints: arr(checkpoint) })),
    deploys: arr(obj({})),
    other: arr(checkpoint),
    warnings: strs,
  }),
  log: obj({ operations: arr(operation), damagedLines: arr(z.unknown()) }),
  snapshot: obj({ ...op, snapshot: snapshotMeta }),
  'snapshot list': obj({ snapshots: arr(snapshotMeta) }),
  'snapshot restore': obj({ ...op, restored: z.optional(z.unknown()) }),
  undo: z.union([undoPlan, undoReport]),
  redo: z.union([undoPlan, undoReport]),
  recover: obj({ recovered: bool }),
  'checkpoint list': obj({ checkpoints: arr(checkpoint), warnings: strs }),
  'checkpoint show': obj({ checkpoint, sidecars: strs, changedSince: arr(z.unknown()) }),
  'checkpoint sidecars': obj({ dryRun: bool, checkpoints: arr(obj({})) }),
  'checkpoint diff': obj({
    from: checkpoint,
    to: checkpoint,
    files: arr(obj({ path: str, status: str })),
    stat: obj({ files: num, added: num, deleted: num }),
  }),
  'checkpoint push': obj({ remote: str, updated: strs, upToDate: num, rejected: arr(z.unknown()) }),
  'checkpoint pull': obj({ ...op, remote: str, fetched: arr(z.unknown()), kept: arr(z.unknown()) }),
  'stage skip': planResult(obj({ stage: obj({ id: str }), reason: str, dependents: strs }), {
    ...op,
    stage: obj({ id: str }),
    reason: str,
    skippedAt: str,
  }),
  'story pass': planResult(obj({ story: str, passes: bool }), {
    ...op,
    story: str,
    passes: bool,
    files: strs,
  }),
  'story fail': planResult(obj({ story: str, passes: bool, attempts: nul(num) }), {
    ...op,
    story: str,
    passes: bool,
    attempts: nul(num),
    files: strs,
  }),
  'phase complete': dryOr(
    obj({ phase: num, tag: str }),
    obj({ ...op, phase: num, tag: str, commit: str }),
  ),
  'rollback to': z.union([obj({ dryRun: z.literal(true), plan: rollbackPlan }), rollbackReport]),
  'rollback deploy': dryOr(
    obj({ platform: str, target: deployment }),
    obj({
      ...op,
      dryRun: z.literal(false),
      platform: str,
      target: deployment,
      job: obj({ state: str }),
      health: nul(obj({ healthy: bool })),
    }),
  ),
  schema: obj({}),
  skill: obj({ quickCommands: arr(obj({ say: str, run: str })), skillBlock: str }),
  completion: obj({ shell: str, script: str }),
  diagnose: obj({
    checks: arr(checkResult),
    stage: nul(obj({ id: str, start: nul(str), previousComplete: nul(str) })),
    measured: arr(obj({ check: str, at: str, commit: str, status: str })),
    classification: obj({ symptom: str, title: str, evidence: strs, next: nul(next) }),
    next: nul(next),
  }),
  bisect: obj({
    command: str,
    commandFrom: z.enum(['option', 'last diagnose', 'last stage complete']),
    probes: arr(obj({ checkpoint: str, commit: str, result: str })),
    lastGood: obj({ name: str, commit: str }),
    firstBad: obj({ name: str, commit: str }),
    stage: nul(obj({})),
    story: nul(str),
    commit: obj({ sha: str, subject: str }),
    files: strs,
    exitCode: nul(num),
    outputTail: str,
  }),
  check: obj({
    consistent: bool,
    checks: arr(checkResult),
    problems: arr(obj({ message: str })),
    repair: nul(obj({ command: str })),
  }),
  'state repair': obj({ dryRun: bool, repaired: bool, plan: obj({ problems: arr(z.unknown()) }) }),
  'db status': obj({
    found: obj({ orm: obj({ value: str }), missing: strs }),
    checkpoints: num,
    probe: z.optional(obj({ reachable: bool })),
    migrations: z.optional(obj({ applied: strs, files: strs, inSync: bool })),
  }),
  'db checkpoint': planResult(obj({ checkpoint: str, engine: str }), {
    ...op,
    checkpoint: str,
    engine: str,
    meta: obj({ strategy: str }),
  }),
  'db restore': planResult(obj({ checkpoint: str, engine: str, keptAs: str }), {
    ...op,
    checkpoint: str,
    engine: str,
    keptAs: str,
  }),
  'db list': obj({
    checkpoints: arr(obj({ checkpoint: str, engine: str, strategy: str, present: bool })),
  }),
  'db prune': obj({ keep: arr(obj({ id: str })), remove: arr(obj({ id: str })) }),
  'db diff': obj({ from: str, to: str, same: bool, diff: str }),
  'db down-sql': obj({ checkpoint: str, sql: str, dataLoss: arr(str), applied: bool }),
  'deploy list': obj({ platform: str, where: str, deployments: arr(deployment) }),
  'deploy status': obj({
    platform: str,
    adapter: z.enum(['available', 'not available']),
    current: nul(deployment),
    problem: nul(obj({ code: str, message: str })),
  }),
  'deploy record': obj({ ...op, name: str, tag: str }),
  'deploy promote': obj({ ...op, platform: str, target: deployment, job: obj({ state: str }) }),
  'deploy local publish': obj({ ...op, release: obj({ id: str }), dir: str }),
  'backup create': obj({ id: str, store: str, archive: obj({ sha256: str }), entries: num }),
  'backup list': obj({ store: str, backups: arr(obj({ id: str, status: str })) }),
  'backup verify': obj({ id: str, ok: bool, problems: arr(z.unknown()) }),
  'backup prune': obj({ dryRun: bool, keep: arr(backupId), remove: arr(backupId) }),
  'backup pin': obj({ id: str, pinned: bool, changed: bool }),
  'backup unpin': obj({ id: str, pinned: bool, changed: bool }),
  restore: obj({ id: str, target: str, head: obj({}), files: strs }),
  'deploy commit': obj({ ...op, platform: str, kept: str }),
  'deploy revert': obj({
    ...op,
    platform: str,
    pinned: str,
    job: obj({ state: str }),
    health: nul(obj({ healthy: bool })),
  }),
  'env backup': obj({
    file: str,
    source: str,
    encrypted: bool,
    count: num,
    names: strs,
    notRecoverable: strs,
  }),
  'env diff': envPlan,
  'env restore': z.union([
    obj({ dryRun: z.literal(true), plan: envPlan, prune: bool }),
    obj({
      ...op,
      dryRun: z.literal(false),
      plan: envPlan,
      prune: bool,
      written: strs,
      removed: strs,
      notPruned: slots,
      beforeFile: nul(str),
    }),
  ]),
}
