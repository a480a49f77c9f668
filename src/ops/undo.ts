import { readJournal } from '../adapters/journal.js'
import type { Repo } from '../adapters/repo.js'
import { readRefs } from '../adapters/snapshot/head.js'
import { diffTrees, type RestoreResult, restoreSnapshot } from '../adapters/snapshot/restore.js'
import { getSnapshot } from '../adapters/snapshot/store.js'
import type { Snapshot } from '../adapters/snapshot/types.js'
import { isIdPrefix } from '../core/ids.js'
import { findOperation, foldJournal, lastUndoable, type Operation } from '../core/journal.js'
import { changedBy, refUpdates } from '../core/refs.js'
import { CpoError } from '../errors.js'
import { sidecarsFollowTags } from './checkpoint/sidecars.js'
import { captureDuring, type OperationReport, reportOf, runOperation } from './protocol.js'

export interface UndoOptions {
  reason?: string
  wait?: number
  /** Needed to undo an operation that later operations built on (they are undone too). */
  confirmed?: boolean
}

export interface UndoReport extends RestoreResult, OperationReport {
  undone: Operation
  /** Later operations whose effects this undo also reverts. */
  alsoReverted: Operation[]
  /** Files changed after the undone operation finished; kept in `before`. */
  changedSince: string[]
}

interface UndoPlan {
  op: Operation
  target: Snapshot
  after: Snapshot
  later: Operation[]
  changed: { refs: Set<string>; head: boolean }
}

/**
 * `cpo undo [op]`: restores the state before an operation, as a new operation. Undoing an undo
 * therefore redoes. Refs the undone operation created, moved or deleted are put back too.
 */
export async function undoOperation(
  repo: Repo,
  ref: string | undefined,
  options: UndoOptions = {},
): Promise<UndoReport> {
  // Resolve the target first so the journal records which operation this undoes.
  const known = pickOperation(foldJournal((await readJournal(repo.cpoDir)).events), ref)
  const outcome = await runOperation(repo, {
    command: 'undo',
    args: ref === undefined ? [] : [ref],
    undoes: known.id,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    plan: async (r, operations) => {
      const op = pickOperation(operations, ref)
      if (op.id !== known.id) {
        throw new CpoError('JOURNAL_CHANGED', 'conflict', 'another operation finished meanwhile', {
          hint: 'Check `cpo log` and run the undo again.',
        })
      }
      // Journal order, not id order: it is the order the operations really ran in.
      const later = operations
        .slice(operations.indexOf(op) + 1)
        .filter((o) => o.status === 'done' && o.undoable)
      if (later.length > 0 && !options.confirmed) {
        throw new CpoError(
          'CONFIRMATION_REQUIRED',
          'usage',
          `operation ${op.id} is not the last one: undoing it also reverts ${later.map((o) => `${o.id} (${o.command})`).join(', ')}`,
          { hint: 'Pass --yes to undo it anyway (this undo can itself be undone).' },
        )
      }
      const [target, after, ...laterStates] = await Promise.all([
        getSnapshot(r, op.before),
        getSnapshot(r, op.after as string),
        ...later.flatMap((o) => [getSnapshot(r, o.before), getSnapshot(r, o.after as string)]),
      ])
      // What this undo reverts: the refs (and HEAD) changed by the undone operation and by every
      // later one it reverts with it, each judged by its own before and after states.
      const runs = [{ before: target, after }]
      for (let i = 0; i + 1 < laterStates.length; i += 2) {
        runs.push({ before: laterStates[i] as Snapshot, after: laterStates[i + 1] as Snapshot })
      }
      return { op, target, after, later, changed: changedBy(runs) }
    },
    apply: async (ctx, plan: UndoPlan) => {
      const changedSince = (
        await diffTrees(ctx.repo, plan.after.worktreeTree, ctx.before.worktreeTree)
      ).map((c) => c.path)
      // Only refs the reverted operations changed go back; refs only others moved are left
      // alone, HEAD and its branch included (a commit made after a tag-only checkpoint stays).
      const { refs, head } = plan.changed
      const target = head
        ? plan.target
        : { ...plan.target, head: ctx.before.head, branch: ctx.before.branch }
      const result = await restoreSnapshot(ctx.repo, target, ctx.before, {
        refs: refUpdates(plan.target.refs, ctx.before.refs, (ref) => refs.has(ref)),
        reflog: `cpo: undo ${plan.op.id} (${plan.op.command})`,
        capture: captureDuring(ctx),
      })
      // Sidecars are ignored files the restore leaves alone: those of the tags it moved back.
      await sidecarsFollowTags(ctx.repo, ctx.before.refs, await readRefs(ctx.repo))
      return {
        summary: `undid ${plan.op.id} (${plan.op.command})`,
        result: { ...result, changedSince },
        changedDuring: result.changedDuring,
      }
    },
  })
  if (outcome.dryRun) throw new Error('unreachable: no dry run here')
  return {
    ...outcome.result,
    ...reportOf(outcome),
    undone: outcome.plan.op,
    alsoReverted: outcome.plan.later,
  }
}

function pickOperation(operations: Operation[], ref: string | undefined): Operation {
  if (ref === undefined) {
    const last = lastUndoable(operations)
    if (!last) {
      throw new CpoError('NOTHING_TO_UNDO', 'notFound', 'no operation to undo', {
        hint: 'See what has been done with `cpo log`.',
      })
    }
    return last
  }
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
