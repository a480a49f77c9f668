import { readJournal } from '../adapters/journal.js'
import type { Repo } from '../adapters/repo.js'
import { diffTrees, type RestoreResult, restoreSnapshot } from '../adapters/snapshot/restore.js'
import { getSnapshots } from '../adapters/snapshot/store.js'
import type { Snapshot } from '../adapters/snapshot/types.js'
import { isIdPrefix } from '../core/ids.js'
import { findOperation, foldJournal, type Operation, undoStack } from '../core/journal.js'
import { changedBy, refUpdates } from '../core/refs.js'
import { CpoError } from '../errors.js'
import { sidecarsFollowTags } from './checkpoint/sidecars.js'
import { describeEffects, effectsToRevert, revertEffects } from './effects.js'
import { previewRestore, type RestorePreview } from './preview.js'
import { captureDuring, type OperationReport, reportOf, runOperation } from './protocol.js'

export interface UndoOptions {
  reason?: string
  wait?: number
  /** Needed to undo an operation that later operations built on (they are undone too). */
  confirmed?: boolean
  dryRun?: boolean
}

export interface UndoReport extends RestoreResult, OperationReport {
  /** The operation whose before-state was restored (for a redo: the undo it reverts). */
  undone: Operation
  /** For a redo: the operation put back into effect. */
  redone?: Operation
  /** Later operations whose effects this undo also reverts. */
  alsoReverted: Operation[]
  /** Files changed after the undone operation finished; kept in `before`. */
  changedSince: string[]
  /** Steps outside git put back (database swaps, deployments, env vars), newest first. */
  effectsReverted: string[]
}

export interface UndoPreview {
  dryRun: true
  undone: Operation
  redone?: Operation
  alsoReverted: Operation[]
  plan: RestorePreview
}

/** What an undo or redo reverts: `op`'s before-state comes back, and what `reverted` changed. */
interface Choice {
  op: Operation
  /** The operations whose refs and effects go back (op, and those reverted with it). */
  reverted: Operation[]
  redone?: Operation
}

interface UndoPlan extends Choice {
  target: Snapshot
  after: Snapshot
  changed: { refs: Set<string>; head: boolean }
  preview?: RestorePreview
}

/**
 * `cpo undo [op]`: restores the state before an operation, as a new operation. With no operation
 * named it walks the undo stack (core/journal.ts undoStack): each plain undo goes one operation
 * further back. Refs the undone operation created, moved or deleted are put back too, and its
 * effects outside git are reverted (src/ops/effects.ts).
 */
export function undoOperation(
  repo: Repo,
  ref: string | undefined,
  options: UndoOptions & { dryRun: true },
): Promise<UndoPreview>
export function undoOperation(
  repo: Repo,
  ref: string | undefined,
  options?: UndoOptions,
): Promise<UndoReport>
export function undoOperation(
  repo: Repo,
  ref: string | undefined,
  options: UndoOptions = {},
): Promise<UndoReport | UndoPreview> {
  return revert(repo, 'undo', ref === undefined ? [] : [ref], options, (ops) =>
    ref === undefined
      ? stackTop(ops)
      : named(ops, ref, options.confirmed === true || options.dryRun === true),
  )
}

/** `cpo redo`: puts back the operation the last plain `cpo undo` took off the stack. */
export function redoOperation(
  repo: Repo,
  options: UndoOptions & { dryRun: true },
): Promise<UndoPreview>
export function redoOperation(repo: Repo, options?: UndoOptions): Promise<UndoReport>
export function redoOperation(
  repo: Repo,
  options: UndoOptions = {},
): Promise<UndoReport | UndoPreview> {
  return revert(repo, 'redo', [], options, redoTop)
}

async function revert(
  repo: Repo,
  command: 'undo' | 'redo',
  args: string[],
  options: UndoOptions,
  choose: (ops: Operation[]) => Choice,
): Promise<UndoReport | UndoPreview> {
  // Resolve the target first so the journal records which operation this undoes.
  const known = choose(foldJournal((await readJournal(repo.cpoDir)).events))
  const outcome = await runOperation(repo, {
    command,
    args,
    undoes: known.op.id,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r, operations, scan): Promise<UndoPlan> => {
      const choice = choose(operations)
      if (choice.op.id !== known.op.id) {
        throw new CpoError('JOURNAL_CHANGED', 'conflict', 'another operation finished meanwhile', {
          hint: `Check \`cpo log\` and run \`cpo ${[command, ...args].join(' ')}\` again.`,
        })
      }
      // The undone operation is among the reverted ones: the snapshots are read together (one
      // for-each-ref), and their refs taken from the scan when it holds the same ones.
      const [target, after, ...states] = await getSnapshots(
        r,
        [
          choice.op.before,
          choice.op.after as string,
          ...choice.reverted.flatMap((o) => [o.before, o.after as string]),
        ],
        async () => (await scan()).refs,
      )
      // What this undo reverts: the refs (and HEAD) changed by each reverted operation, each
      // judged by its own before and after states.
      const runs = []
      for (let i = 0; i + 1 < states.length; i += 2) {
        runs.push({ before: states[i] as Snapshot, after: states[i + 1] as Snapshot })
      }
      const plan: UndoPlan = {
        ...choice,
        target: target as Snapshot,
        after: after as Snapshot,
        changed: changedBy(runs),
      }
      if (!options.dryRun) return plan
      const { refs } = plan.changed
      const preview = await previewRestore(r, await scan(), targetOf(plan, await scan()), {
        refs: (ref) => refs.has(ref),
        effects: effectsToRevert(choice.reverted),
      })
      return { ...plan, preview }
    },
    apply: async (ctx, plan: UndoPlan) => {
      // Steps outside git (databases, deployments) go back first, newest first: if one cannot,
      // nothing in the work tree has changed yet.
      const effects = effectsToRevert(plan.reverted)
      const effectsReverted = await describeEffects(effects)
      await revertEffects(ctx.repo, effects, ctx.runEffect)
      const changedSince = (
        await diffTrees(ctx.repo, plan.after.worktreeTree, ctx.before.worktreeTree)
      ).map((c) => c.path)
      // Only refs the reverted operations changed go back; refs only others moved are left
      // alone, HEAD and its branch included (a commit made after a tag-only checkpoint stays).
      const result = await restoreSnapshot(ctx.repo, targetOf(plan, ctx.before), ctx.before, {
        refs: refUpdates(plan.target.refs, ctx.before.refs, (ref) => plan.changed.refs.has(ref)),
        reflog: `cpo: ${command} ${plan.op.id} (${plan.op.command})`,
        capture: captureDuring(ctx),
      })
      // Sidecars are ignored files the restore leaves alone: those of the tags it moved back. The
      // refs now are the before-snapshot's with the restore's transaction applied (it checked
      // each against the before-snapshot's value).
      await sidecarsFollowTags(ctx.repo, ctx.before.refs, refsAfter(ctx.before.refs, result))
      const what = plan.redone
        ? `redid ${plan.redone.id} (${plan.redone.command})`
        : `undid ${plan.op.id} (${plan.op.command})`
      return {
        summary: what,
        result: { ...result, changedSince, effectsReverted },
        changedDuring: result.changedDuring,
      }
    },
  })
  const also = (p: UndoPlan) => p.reverted.filter((o) => o.id !== p.op.id)
  const redone = (p: UndoPlan) => (p.redone ? { redone: p.redone } : {})
  if (outcome.dryRun) {
    const p = outcome.plan
    return {
      dryRun: true,
      undone: p.op,
      ...redone(p),
      alsoReverted: also(p),
      plan: p.preview as RestorePreview,
    }
  }
  return {
    ...outcome.result,
    ...reportOf(outcome),
    undone: outcome.plan.op,
    ...redone(outcome.plan),
    alsoReverted: also(outcome.plan),
  }
}

/** `before` with the restore's ref updates applied. */
function refsAfter(before: Record<string, string>, result: RestoreResult): Record<string, string> {
  const after = { ...before }
  for (const u of result.refsUpdated) {
    if (u.to === undefined) delete after[u.ref]
    else after[u.ref] = u.to
  }
  return after
}

/** HEAD and branch go back only when a reverted operation moved them. */
function targetOf(plan: UndoPlan, now: { head: string; branch: string | null }): Snapshot {
  return plan.changed.head ? plan.target : { ...plan.target, head: now.head, branch: now.branch }
}

function stackTop(operations: Operation[]): Choice {
  const op = undoStack(operations).done.at(-1)
  if (!op) {
    const undone = undoStack(operations).undone.length > 0
    throw new CpoError('NOTHING_TO_UNDO', 'notFound', 'no operation left to undo', {
      hint: undone
        ? 'Everything recorded is undone; put the last one back with `cpo redo`.'
        : 'See what has been done with `cpo log`.',
    })
  }
  return { op, reverted: [op] }
}

function redoTop(operations: Operation[]): Choice {
  const last = undoStack(operations).undone.at(-1)
  if (!last) {
    throw new CpoError('NOTHING_TO_REDO', 'notFound', 'no undone operation to redo', {
      hint: '`cpo redo` puts back what a plain `cpo undo` took back; since then, something else ran or nothing was undone. See `cpo log`.',
    })
  }
  // A redo restores the state before the undo that took it back, and reverts that undo's refs
  // and effects (which re-applies the operation's own).
  return { op: last.by, reverted: [last.by], redone: last.op }
}

function named(operations: Operation[], ref: string, confirmed: boolean): Choice {
  const op = pickOperation(operations, ref)
  // Journal order, not id order: it is the order the operations really ran in.
  const later = operations
    .slice(operations.indexOf(op) + 1)
    .filter((o) => o.status === 'done' && o.undoable)
  if (later.length > 0 && !confirmed) {
    throw new CpoError(
      'CONFIRMATION_REQUIRED',
      'usage',
      `operation ${op.id} is not the last one: undoing it also reverts ${later.map((o) => `${o.id} (${o.command})`).join(', ')}`,
      {
        hint: `Pass --yes to undo it anyway: \`cpo undo ${op.id} --yes\` (this undo can itself be undone).`,
      },
    )
  }
  return { op, reverted: [op, ...later] }
}

function pickOperation(operations: Operation[], ref: string): Operation {
  if (!isIdPrefix(ref)) {
    throw new CpoError(
      'INVALID_OPERATION_ID',
      'invalidInput',
      `not an operation id: ${JSON.stringify(ref)}`,
      {
        hint: 'Operation ids look like 20261125-170024-123-3fa2; list them with `cpo log`.',
      },
    )
  }
  const { op, ambiguous } = findOperation(operations, ref)
  if (ambiguous) {
    throw new CpoError(
      'AMBIGUOUS_OPERATION_ID',
      'invalidInput',
      `operation id ${ref} is ambiguous`,
      {
        hint: `Use more characters: ${ambiguous.map((o) => o.id).join(', ')}`,
      },
    )
  }
  if (!op) {
    throw new CpoError('OPERATION_NOT_FOUND', 'notFound', `no operation ${ref}`, {
      hint: 'List operations with `cpo log`.',
    })
  }
  if (op.status !== 'done') {
    throw new CpoError(
      'OPERATION_NOT_UNDOABLE',
      'conflict',
      `operation ${op.id} is ${op.status}: ${op.status === 'pending' ? 'run `cpo recover` first' : 'its changes were already rolled back'}`,
      { hint: 'Pick a finished operation from `cpo log`.' },
    )
  }
  if (!op.undoable) {
    throw new CpoError(
      'OPERATION_NOT_UNDOABLE',
      'conflict',
      `operation ${op.id} (${op.command}) changed nothing that can be undone`,
      {
        hint: 'Pick another operation from `cpo log`.',
      },
    )
  }
  return op
}
