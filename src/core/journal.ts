/**
 * The operation journal is an append-only list of events. An operation is `begun` once and then
 * ends with `done` or `failed`; one with neither was interrupted and is pending recovery.
 */
export type JournalEvent =
  | {
      type: 'begun'
      id: string
      command: string
      args: string[]
      reason?: string
      time: string
      before: string
      undoes?: string
      /** Operations this one (a `cpo recover`) returns from; they count as recovered once it is done. */
      recovers?: string[]
      undoable?: boolean
    }
  | {
      type: 'done'
      id: string
      time: string
      after: string
      summary: string
      /** Paths that changed while it ran, each set in the snapshot captured before a restore. */
      changedDuring?: ChangedDuring[]
    }
  | {
      /**
       * A step outside git (a database swap, a deployment promoted): `intent` is appended before
       * the step runs and `done` after, so a crash in between is known and `cpo recover` can
       * revert it (ARCHITECTURE.md, "Effects outside git").
       */
      type: 'effect'
      id: string
      time: string
      seq: number
      state: 'intent' | 'done'
      effect: Effect
    }
  | {
      type: 'failed'
      id: string
      time: string
      error: string
      rolledBack: boolean
      /** The state when it failed, captured before the state was put back. */
      snapshot?: string
      changedDuring?: ChangedDuring[]
    }

/**
 * What an effect did, with everything needed to revert it: its `kind` picks the handler
 * (src/ops/effects.ts); the rest is the handler's own JSON. Never a secret: the journal is
 * plain text.
 */
export interface Effect {
  kind: string
  [key: string]: unknown
}

export interface EffectRecord {
  seq: number
  effect: Effect
  /** False when only the intent was journaled: the step may have run partly. */
  done: boolean
}

export interface ChangedDuring {
  snapshot: string
  paths: string[]
}

export type OperationStatus = 'pending' | 'done' | 'failed' | 'recovered'

export interface Operation {
  id: string
  command: string
  args: string[]
  reason?: string
  startedAt: string
  endedAt?: string
  status: OperationStatus
  before: string
  after?: string
  summary?: string
  error?: string
  undoes?: string
  recovers?: string[]
  recoveredBy?: string
  /** Snapshots that hold paths changed while it ran (and, when it failed, its state then). */
  changedDuring?: ChangedDuring[]
  failedState?: string
  /** False for operations that only record something (a snapshot): nothing to undo. */
  undoable: boolean
  /** Steps outside git, in the order they ran. */
  effects?: EffectRecord[]
}

export function foldJournal(events: JournalEvent[]): Operation[] {
  const ops = new Map<string, Operation>()
  for (const e of events) {
    if (e.type === 'begun') {
      ops.set(e.id, {
        id: e.id,
        command: e.command,
        args: e.args,
        ...(e.reason === undefined ? {} : { reason: e.reason }),
        ...(e.undoes === undefined ? {} : { undoes: e.undoes }),
        ...(e.recovers === undefined ? {} : { recovers: e.recovers }),
        startedAt: e.time,
        status: 'pending',
        before: e.before,
        undoable: e.undoable !== false,
      })
      continue
    }
    const op = ops.get(e.id)
    if (!op) continue
    if (e.type === 'effect') {
      const effects = op.effects ?? []
      op.effects = effects
      const known = effects.find((r) => r.seq === e.seq)
      if (known) known.done ||= e.state === 'done'
      else effects.push({ seq: e.seq, effect: e.effect, done: e.state === 'done' })
      continue
    }
    op.endedAt = e.time
    if (e.changedDuring?.length) op.changedDuring = e.changedDuring
    if (e.type === 'failed') {
      Object.assign(op, { status: 'failed', error: e.error })
      if (e.snapshot) op.failedState = e.snapshot
      continue
    }
    Object.assign(op, { status: 'done', after: e.after, summary: e.summary })
    for (const id of op.recovers ?? []) {
      const recovered = ops.get(id)
      if (recovered?.status === 'pending') {
        recovered.status = 'recovered'
        recovered.recoveredBy = op.id
      }
    }
  }
  return [...ops.values()]
}

export const pendingOperations = (ops: Operation[]): Operation[] =>
  ops.filter((o) => o.status === 'pending')

/** Resolves an operation id or a unique prefix of one. */
export function findOperation(
  ops: Operation[],
  ref: string,
): { op?: Operation; ambiguous?: Operation[] } {
  const exact = ops.find((o) => o.id === ref)
  if (exact) return { op: exact }
  const matches = ops.filter((o) => o.id.startsWith(ref))
  if (matches.length === 1) return { op: matches[0] as Operation }
  return matches.length > 1 ? { ambiguous: matches } : {}
}

export interface UndoStack {
  /** Operations in effect, oldest first: `cpo undo` reverts the last. */
  done: Operation[]
  /** Operations undone by `cpo undo`, oldest first, each with that undo: `cpo redo` takes the last. */
  undone: { op: Operation; by: Operation }[]
}

/**
 * The undo stack, as in jj: a plain `cpo undo` (no operation named) takes the operation in effect
 * off the top of the stack, so repeating it walks further back; `cpo redo` puts back the one
 * undone last; any other operation empties the redo side. Naming an operation (`cpo undo <op>`)
 * is an ordinary operation that reverts that one.
 */
export function undoStack(ops: Operation[]): UndoStack {
  const done: Operation[] = []
  let undone: UndoStack['undone'] = []
  for (const op of ops) {
    if (op.status !== 'done' || !op.undoable) continue
    const redoes = undone.findLastIndex((u) => u.by.id === op.undoes)
    if (isStackUndo(op) && redoes < 0) {
      const i = done.findLastIndex((o) => o.id === op.undoes)
      if (i >= 0) undone.push({ op: done.splice(i, 1)[0] as Operation, by: op })
      continue
    }
    // Before `cpo redo` existed, a plain undo of an undo was the way to redo.
    if (op.command === 'redo' || isStackUndo(op)) {
      const back = redoes >= 0 ? undone.splice(redoes, 1)[0] : undefined
      if (back) done.push(back.op)
      continue
    }
    done.push(op)
    undone = []
  }
  return { done, undone }
}

/** An undo with no operation named: it walks the stack. */
export const isStackUndo = (op: Operation): boolean =>
  op.command === 'undo' && op.args.length === 0 && op.undoes !== undefined
