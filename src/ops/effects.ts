import type { Repo } from '../adapters/repo.js'
import type { Effect, EffectRecord, Operation } from '../core/journal.js'
import { CpoError } from '../errors.js'

/**
 * Runs one step outside git as a journaled effect: `intent` before, `done` after
 * (ARCHITECTURE.md, "Effects outside git"). What `step` does must be revertible from `effect`
 * alone, whether it finished or not.
 */
export type RunEffect = <T>(effect: Effect, step: () => Promise<T>) => Promise<T>

/**
 * One kind of effect (a database swap, a deployment promotion, env vars written). `revert` puts
 * the world back to how it was before the effect began, checking the world first: it is called
 * for a finished effect (undo), for one that may have run partly (recover, a failed operation),
 * and possibly twice for the same effect, so it must be idempotent. What it changes itself goes
 * through `run`, so the undo that reverts an effect can be undone in its turn.
 */
export interface EffectHandler {
  revert(repo: Repo, effect: Effect, run: RunEffect): Promise<void>
  /** One line for plans and reports: what reverting it will do. */
  describe(effect: Effect): string
}

/**
 * Every kind of effect and where its handler lives, loaded only when an effect of that kind has
 * to be reverted. A new kind is one line here plus its module.
 */
const HANDLERS: Record<string, () => Promise<EffectHandler>> = {
  db: async () => (await import('./db/effect.js')).dbEffectHandler,
  deploy: async () => (await import('./deploy/effect.js')).deployHandler,
  env: async () => (await import('./env/effect.js')).envHandler,
}

/** For a library caller that runs its own operations through runOperation. */
export function registerEffectKind(kind: string, load: () => Promise<EffectHandler>): void {
  if (HANDLERS[kind]) throw new Error(`effect kind ${kind} is already registered`)
  HANDLERS[kind] = load
}

async function handlerFor(kind: string): Promise<EffectHandler> {
  const load = HANDLERS[kind]
  if (!load) {
    throw new CpoError(
      'UNKNOWN_EFFECT',
      'internal',
      `the journal holds an effect of kind ${JSON.stringify(kind)} this version of cpo cannot revert`,
      { hint: 'Run the cpo version that wrote this journal entry (see `cpo log`).' },
    )
  }
  return load()
}

/** The effects of these operations, newest first: the order they have to be reverted in. */
export function effectsToRevert(ops: Operation[]): EffectRecord[] {
  return ops.flatMap((o) => o.effects ?? []).reverse()
}

/**
 * Reverts effects in the order given (newest first). It stops at the first that fails: the
 * operation doing it then fails, and its own failure handling reverts what it had reverted.
 */
export async function revertEffects(
  repo: Repo,
  records: EffectRecord[],
  run: RunEffect,
): Promise<void> {
  for (const record of records) {
    const handler = await handlerFor(record.effect.kind)
    await handler.revert(repo, record.effect, run)
  }
}

export async function describeEffects(records: EffectRecord[]): Promise<string[]> {
  return Promise.all(records.map(async (r) => (await handlerFor(r.effect.kind)).describe(r.effect)))
}

/** Runs a step without journaling it (a failed operation putting its own effects back). */
export const runUnjournaled: RunEffect = (_effect, step) => step()
