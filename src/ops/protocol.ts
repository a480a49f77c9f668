import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { failpoint } from '../adapters/failpoint.js'
import { awaitIndexUnlocked } from '../adapters/index-lock.js'
import { appendJournal, readJournal } from '../adapters/journal.js'
import { acquireLock, type LockOwner } from '../adapters/lock.js'
import { ensureCpoDir, type Repo } from '../adapters/repo.js'
import { isQuarantine, salvageAside } from '../adapters/snapshot/aside.js'
import {
  captureSnapshot,
  discardScan,
  type KnownState,
  type RecordedSnapshot,
  recordSnapshot,
  scanWorkTree,
  snapshotOfKnownState,
  type WorkTreeScan,
} from '../adapters/snapshot/capture.js'
import { refsMovedBy } from '../adapters/snapshot/refs-restore.js'
import { type CaptureDuring, restoreSnapshot } from '../adapters/snapshot/restore.js'
import type { Snapshot, SnapshotKind } from '../adapters/snapshot/types.js'
import { newId } from '../core/ids.js'
import {
  type ChangedDuring,
  type EffectRecord,
  foldJournal,
  type Operation,
  pendingOperations,
} from '../core/journal.js'
import { refUpdates } from '../core/refs.js'
import { CpoError } from '../errors.js'
import { type RunEffect, revertEffects, runUnjournaled } from './effects.js'
import { readSettings, type Settings } from './settings.js'

export interface OperationContext {
  repo: Repo
  opId: string
  before: Snapshot
  /** Every operation in the journal, read under the lock. */
  operations: Operation[]
  settings: Settings
  /**
   * The scan the before-snapshot was recorded from. When `scratchHoldsWorkTree`, its scratch
   * index holds, after `stageScratch`, exactly the before-snapshot's work tree (what `git add -A`
   * would make of the real index), ready to become the real index.
   */
  scan: WorkTreeScan
  scratchHoldsWorkTree: boolean
  /** Puts the work-tree changes into the scan's scratch index (see RecordedSnapshot). */
  stageScratch: RecordedSnapshot['stageScratch']
  /**
   * Files a crashed restore had moved aside that differed from its base, captured before the
   * scratch files were cleared (salvageAside): journaled with this operation's `done`.
   */
  salvaged: ChangedDuring[]
  /**
   * Runs a step outside git (a database, a platform) as a journaled effect, so undo and recover
   * can revert it (src/ops/effects.ts).
   */
  runEffect: RunEffect
  /** The effects this operation has run so far, oldest first. */
  effects: EffectRecord[]
}

export interface Applied<R> {
  summary: string
  result: R
  /**
   * The state apply left, when it is exact by construction (apply wrote the commit and the
   * files itself): the after-snapshot records it without scanning the work tree again.
   */
  after?: KnownState
  /** Paths that changed while it ran and the snapshots holding them: journaled with `done`. */
  changedDuring?: ChangedDuring[]
}

export interface OperationSpec<P, R> {
  command: string
  args: string[]
  reason?: string
  /** Seconds to wait for the lock; undefined fails at once. */
  wait?: number
  dryRun?: boolean
  /** False for operations that only record something (nothing to undo). */
  undoable?: boolean
  undoes?: string
  recovers?: string[]
  /** Only `cpo recover` may run while an interrupted operation is pending. */
  allowPending?: boolean
  /** How the before-snapshot is labelled (a manual snapshot is labelled by the user). */
  beforeLabel?: { kind: SnapshotKind; message: string }
  /** When false the before-snapshot doubles as the after-snapshot (nothing changes the tree). */
  captureAfter?: boolean
  /**
   * The plan runs commands that may write files (verification): the work tree is scanned only
   * after it, so the before-snapshot holds what they wrote.
   */
  scanAfterPlan?: boolean
  /**
   * Validates every input and plans the whole change; must not change anything. `scan()` gives
   * the work-tree scan the before-snapshot will be recorded from (HEAD, branch, what is
   * uncommitted), normally already running beside the plan; its errors (no commits, a merge in
   * progress) surface when it is awaited.
   */
  plan(repo: Repo, operations: Operation[], scan: () => Promise<WorkTreeScan>): Promise<P>
  apply(ctx: OperationContext, plan: P): Promise<Applied<R>>
}

/** What every operation reports besides its own result. */
export interface OperationReport {
  opId: string
  /** The state just before the operation: `cpo undo <opId>` returns to it. */
  before: Snapshot
  /** Set when a lock left by a dead process had to be taken over. */
  lockTakenOverFrom?: LockOwner
}

export function reportOf(outcome: OperationOutcome<unknown, unknown>): OperationReport {
  if (outcome.dryRun) throw new Error('a dry run has no operation report')
  return {
    opId: outcome.opId,
    before: outcome.before,
    ...(outcome.lockTakenOverFrom ? { lockTakenOverFrom: outcome.lockTakenOverFrom } : {}),
  }
}

/**
 * What an operation returns to its caller: the plan alone for a dry run; else the plan, the
 * report, and the plan's and result's fields at the top (README.md, "The --json contract").
 */
export function planReport<P extends object, R extends object>(
  outcome: OperationOutcome<P, R>,
): { dryRun: true; plan: P } | ({ dryRun: false; plan: P } & OperationReport & P & R) {
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan }
  return {
    dryRun: false,
    plan: outcome.plan,
    ...reportOf(outcome),
    ...outcome.plan,
    ...outcome.result,
  }
}

export type OperationOutcome<P, R> =
  | { dryRun: true; plan: P }
  | {
      dryRun: false
      plan: P
      opId: string
      before: Snapshot
      after: Snapshot
      summary: string
      result: R
      lockTakenOverFrom?: LockOwner
    }

/**
 * The safety protocol every state-changing command runs (ARCHITECTURE.md §5): lock, plan, snapshot,
 * journal `begun`, apply, snapshot, journal `done`, unlock. A crash anywhere in between leaves a
 * `begun` entry that makes every later command point to `cpo recover`.
 */
export async function runOperation<P, R>(
  repo: Repo,
  spec: OperationSpec<P, R>,
): Promise<OperationOutcome<P, R>> {
  await ensureCpoDir(repo)
  const lock = await acquireLock(repo.cpoDir, [spec.command, ...spec.args].join(' '), spec.wait)
  let scanning: Promise<WorkTreeScan> | undefined
  try {
    failpoint('lock-taken')
    // A dry run leaves a crashed restore's moved-aside files for the real run to capture and
    // report (clearing them here would keep them out of that run's journal entry).
    const salvaged = spec.dryRun ? [] : await clearScratch(repo)
    // The scan (one `git status`) is the longest step before apply: it runs while the journal
    // is read and the plan is made.
    const scan = (): Promise<WorkTreeScan> => {
      if (!scanning) {
        scanning = scanWorkTree(repo)
        scanning.catch(() => {})
      }
      return scanning
    }
    if (!spec.scanAfterPlan) scan()
    const [journal, settings] = await Promise.all([readJournal(repo.cpoDir), readSettings(repo)])
    const operations = foldJournal(journal.events)
    const pending = pendingOperations(operations)
    if (pending.length > 0 && !spec.allowPending) throw pendingError(pending)
    const plan = await spec.plan(repo, operations, scan)
    if (spec.dryRun) return { dryRun: true, plan }

    // An operation that changes the tree writes the index: a lock left on it by a killed git
    // process is reported now, before anything changes, not half-way.
    if (spec.captureAfter !== false) await awaitIndexUnlocked(repo)
    const opId = newId(new Date(), randomBytes(2).toString('hex'))
    const scanned = await scan()
    const {
      snapshot: before,
      scratchHoldsWorkTree,
      stageScratch,
    } = await recordSnapshot(repo, scanned, {
      kind: spec.beforeLabel?.kind ?? 'before',
      message: spec.beforeLabel?.message ?? `before ${spec.command}`,
      operation: opId,
      sizeCap: settings.sizeCap,
    })
    failpoint('before-snapshot')
    await appendJournal(repo.cpoDir, {
      type: 'begun',
      id: opId,
      command: spec.command,
      args: spec.args,
      ...(spec.reason === undefined ? {} : { reason: spec.reason }),
      ...(spec.undoes === undefined ? {} : { undoes: spec.undoes }),
      ...(spec.recovers === undefined ? {} : { recovers: spec.recovers }),
      ...(spec.undoable === false ? { undoable: false } : {}),
      time: new Date().toISOString(),
      before: before.id,
    })
    failpoint('journal-begun')

    const effects: EffectRecord[] = []
    const runEffect: RunEffect = async (effect, step) => {
      const record: EffectRecord = { seq: effects.length, effect, done: false }
      const event = { id: opId, seq: record.seq, effect }
      await appendJournal(repo.cpoDir, { type: 'effect', ...event, state: 'intent', time: now() })
      effects.push(record)
      const result = await step()
      await appendJournal(repo.cpoDir, { type: 'effect', ...event, state: 'done', time: now() })
      record.done = true
      return result
    }
    const ctx: OperationContext = {
      repo,
      opId,
      before,
      operations,
      settings,
      scan: scanned,
      scratchHoldsWorkTree,
      stageScratch,
      salvaged,
      runEffect,
      effects,
    }
    let applied: Applied<R>
    try {
      applied = await spec.apply(ctx, plan)
    } catch (error) {
      await rollBackFailed(ctx, error)
      throw error
    }
    failpoint('applied')
    const changedDuring = [...salvaged, ...(applied.changedDuring ?? [])]
    const afterLabel = { kind: 'after' as const, message: `after ${spec.command}`, operation: opId }
    const after = applied.after
      ? await snapshotOfKnownState(repo, applied.after, afterLabel)
      : spec.captureAfter === false
        ? before
        : await captureSnapshot(repo, { ...afterLabel, sizeCap: settings.sizeCap })
    failpoint('after-snapshot')
    await appendJournal(repo.cpoDir, {
      type: 'done',
      id: opId,
      time: new Date().toISOString(),
      after: after.id,
      summary: applied.summary,
      ...(changedDuring.length > 0 ? { changedDuring } : {}),
    })
    failpoint('journal-done')
    return {
      dryRun: false,
      plan,
      opId,
      before,
      after,
      summary: applied.summary,
      result: applied.result,
      ...(lock.tookOverFrom ? { lockTakenOverFrom: lock.tookOverFrom } : {}),
    }
  } finally {
    if (scanning) await scanning.then(discardScan, () => {})
    await lock.release()
  }
}

/** How an operation's restores capture paths that change while it runs. */
export function captureDuring(ctx: OperationContext): CaptureDuring {
  return { operation: ctx.opId, sizeCap: ctx.settings.sizeCap }
}

/**
 * A step that throws (rather than crashing) leaves a partial change: put the before-state back
 * at once, refs included: every branch and tag that differs from the before-snapshot goes back,
 * each compare-and-swapped against where it is now (README.md, "How the safety protocol works").
 * Refs a refused compare-and-swap showed someone else moved are left alone; when HEAD is among
 * them, HEAD, index and files stay too (they go with the commit someone else made, and the
 * restore that refused had touched none of them). What stands there now is captured first, and
 * the `failed` entry names that snapshot (and any captured while putting back), so nothing the
 * put-back overwrites is out of reach. If even that fails the `begun` entry stays open and
 * `cpo recover` finishes the job.
 */
async function rollBackFailed(ctx: OperationContext, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error)
  try {
    // Steps outside git first, newest first; if one cannot be reverted the operation stays
    // pending and `cpo recover` tries again.
    await revertEffects(ctx.repo, [...ctx.effects].reverse(), runUnjournaled)
    const now = await captureSnapshot(ctx.repo, {
      kind: 'after',
      message: 'state when the operation failed',
      operation: ctx.opId,
      sizeCap: ctx.settings.sizeCap,
    })
    const others = refsMovedBy(error)
    const headTaken = others.has('HEAD') || (now.branch !== null && others.has(now.branch))
    const target = headTaken ? { ...now, refs: ctx.before.refs } : ctx.before
    const { changedDuring } = await restoreSnapshot(ctx.repo, target, now, {
      refs: refUpdates(ctx.before.refs, now.refs, (ref) => !others.has(ref)),
      reflog: `cpo: operation ${ctx.opId} failed, state put back`,
      capture: captureDuring(ctx),
    })
    await appendJournal(ctx.repo.cpoDir, {
      type: 'failed',
      id: ctx.opId,
      time: new Date().toISOString(),
      error: message,
      rolledBack: true,
      snapshot: now.id,
      ...(changedDuring.length > 0 ? { changedDuring } : {}),
    })
  } catch {
    // Leave the operation pending: the next command will point to `cpo recover`.
  }
}

const now = (): string => new Date().toISOString()

function pendingError(pending: Operation[]): CpoError {
  const op = pending[0] as Operation
  return new CpoError(
    'RECOVERY_PENDING',
    'conflict',
    `operation ${op.id} (cpo ${op.command}) was interrupted and has not been recovered`,
    {
      hint: 'Run `cpo recover` to return to the state before it; nothing is lost.',
      details: pending.map((p) => p.id),
    },
  )
}

/**
 * Scratch files belong to the lock holder; any left over come from a crashed run. Files a
 * crashed restore had moved aside are checked and captured first (salvageAside), never just
 * deleted: one saved into right before the crash is in no other snapshot.
 */
async function clearScratch(repo: Repo): Promise<ChangedDuring[]> {
  const salvaged = await salvageAside(repo)
  const dir = path.join(repo.cpoDir, 'tmp')
  const names = (await fsp.readdir(dir).catch(() => [] as string[])).filter((n) => !isQuarantine(n))
  await Promise.all(names.map((n) => fsp.rm(path.join(dir, n), { force: true, recursive: true })))
  return salvaged
}
