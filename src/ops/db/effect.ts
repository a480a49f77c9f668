import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { loadEngine } from '../../adapters/db/engines.js'
import type { DbEngineName, DbLocation } from '../../adapters/db/types.js'
import type { Repo } from '../../adapters/repo.js'
import { copyName, sha256Hex } from '../../core/db/names.js'
import { newId } from '../../core/ids.js'
import type { Effect } from '../../core/journal.js'
import { CpoError } from '../../errors.js'
import type { EffectHandler, RunEffect } from '../effects.js'
import { type DbLocator, requireDatabase } from './locate.js'
import { sideName } from './side-names.js'

/**
 * A database swap (restore): `staged` was built from a copy, then live → `keptAs` and
 * staged → live. Or files parked (a checkpoint's copies moved aside when it is deleted).
 * Holds no secret: the locator says where the URL came from, not what it is.
 */
export type DbEffect =
  | {
      kind: 'db'
      action: 'swap'
      engine: DbEngineName
      locator: DbLocator
      live: string
      keptAs: string
      staged: string
      /**
       * Where a revert moves live aside (a revert's own effect names the database the revert
       * before it kept, so undo, redo and undo again walk the same names); by default the staged
       * name with `__cpo_undone_` for `__cpo_new_`.
       */
      asideAs?: string
    }
  | {
      kind: 'db'
      action: 'park'
      moves: Array<{ from: string; to: string }>
      /** A template copy renamed aside on its server (postgres). */
      renames?: {
        engine: DbEngineName
        locator: DbLocator
        live: string
        from: string
        to: string
      }[]
    }
  | ReopenEffect
  | DbSqlEffect

/**
 * SQL run on live in one transaction (`cpo db down-sql --apply`), after live was dumped to
 * `copy` (relative to the repository root). Reverting restores that dump beside live and swaps
 * it in (a swap effect of its own, so the revert can be undone); no dump means no SQL ran.
 */
export interface DbSqlEffect {
  kind: 'db'
  action: 'sql'
  engine: DbEngineName
  locator: DbLocator
  live: string
  copy: string
}

async function revertSql(repo: Repo, effect: DbSqlEffect, run: RunEffect): Promise<void> {
  const file = path.resolve(repo.root, effect.copy)
  if (!(await exists(file))) return
  const db = await relocate(repo, effect)
  const engine = await loadEngine(effect.engine)
  const id = newId(new Date(), randomBytes(2).toString('hex'))
  const swap: DbEffect = {
    kind: 'db',
    action: 'swap',
    engine: effect.engine,
    locator: effect.locator,
    live: effect.live,
    keptAs: sideName(repo, db, `before_${id}`),
    staged: sideName(repo, db, `new_${id}`),
  }
  await run((await reopenEffect(db, effect.locator, [swap.live, swap.keptAs])) as never, () =>
    Promise.resolve(),
  )
  await run(swap as never, async () => {
    await engine.stage(db, { strategy: 'dump', location: file }, swap.staged)
    await engine.swap(db, swap.staged, swap.keptAs, { terminateConnections: true })
  })
}

/**
 * Journaled before a step that may lock other sessions out of a database (postgres
 * `terminateConnections`: ALLOW_CONNECTIONS false until the step ends). A crash in between
 * leaves the database closed; reverting this lets connections in again on every database named
 * (the live one under each name it may have had).
 */
export interface ReopenEffect {
  kind: 'db'
  action: 'reopen'
  engine: DbEngineName
  locator: DbLocator
  live: string
  databases: string[]
  /**
   * Those of `databases` that were closed to connections before cpo closed anything (postgres
   * oids: names move during a swap): a revert leaves them closed, as their owner had them.
   */
  keepClosed?: string[]
}

/**
 * The effect to journal before closing `databases` (recorded as intent, then done at once),
 * with the ones already closed now, which a revert must not open.
 */
export async function reopenEffect(
  db: DbLocation,
  locator: DbLocator,
  databases: string[],
): Promise<ReopenEffect> {
  const effect: ReopenEffect = {
    kind: 'db',
    action: 'reopen',
    engine: db.engine,
    locator,
    live: db.name,
    databases,
  }
  if (db.engine !== 'postgres') return effect
  const engine = await loadEngine(db.engine)
  const closed = (await engine.closedDatabases?.(db, databases)) ?? []
  return closed.length > 0 ? { ...effect, keepClosed: closed } : effect
}

async function reopen(repo: Repo, effect: ReopenEffect): Promise<void> {
  if (effect.engine !== 'postgres') return
  const db = await relocate(repo, effect)
  const engine = await loadEngine(effect.engine)
  if (!engine.allowConnections) return
  for (const name of effect.databases)
    await engine.allowConnections(db, name, effect.keepClosed ?? [])
}

/** The live database again, from the effect alone (a SQLite path) or from where its URL came. */
async function relocate(
  repo: Repo,
  effect: { engine: DbEngineName; locator: DbLocator; live: string },
): Promise<DbLocation> {
  if (effect.engine === 'sqlite') {
    return {
      engine: 'sqlite',
      url: effect.live,
      redactedUrl: `file:${effect.live}`,
      name: effect.live,
      local: true,
    }
  }
  const found = await requireDatabase(repo).catch(() => undefined)
  if (found?.location.engine === effect.engine && found.location.name === effect.live)
    return found.location
  throw new CpoError(
    'DB_LOCATOR_FAILED',
    'external',
    `cannot reach ${effect.engine} database ${effect.live} again (its URL came from ${effect.locator.source})`,
    {
      hint: `Set DATABASE_URL to the server holding ${effect.live} (as when the restore ran), then run the command again.`,
    },
  )
}

/** `<db>__cpo_new_<op>` → `<db>__cpo_undone_<op>` (hashed to 63 bytes for postgres). */
function undoneNameOf(effect: Extract<DbEffect, { action: 'swap' }>): string {
  const at = effect.staged.lastIndexOf('__cpo_new_')
  const name =
    at < 0
      ? `${effect.staged}__cpo_undone`
      : `${effect.staged.slice(0, at)}__cpo_undone_${effect.staged.slice(at + '__cpo_new_'.length)}`
  if (effect.engine === 'sqlite' || Buffer.byteLength(name) <= 63) return name
  return copyName(effect.live, `undone_${sha256Hex(effect.staged).slice(0, 12)}`)
}

const exists = (file: string) =>
  fsp.lstat(file).then(
    () => true,
    () => false,
  )

/**
 * Reverting reads the world first, so it is right for a finished swap, for one a crash
 * interrupted between its two renames, and for one that never got past staging:
 * - keptAs there and live there: swap back, the restored database kept as `__cpo_undone_…`;
 * - keptAs there, live missing (crash between the renames): rename keptAs back;
 * - keptAs missing: the live database was never moved; only a staged copy may be left.
 */
export const dbEffectHandler: EffectHandler = {
  async revert(repo: Repo, raw: Effect, run) {
    const effect = raw as unknown as DbEffect
    if (effect.action === 'park') {
      const back = effect.moves.map((m) => ({ from: m.to, to: m.from }))
      const todo: typeof back = []
      for (const m of back) if ((await exists(m.from)) && !(await exists(m.to))) todo.push(m)
      const renames: NonNullable<Extract<DbEffect, { action: 'park' }>['renames']> = []
      for (const r of effect.renames ?? []) {
        const db = await relocate(repo, r)
        const engine = await loadEngine(r.engine)
        if ((await engine.exists(db, r.to)) && !(await engine.exists(db, r.from)))
          renames.push({ ...r, from: r.to, to: r.from })
      }
      if (todo.length === 0 && renames.length === 0) return
      const again: DbEffect = { kind: 'db', action: 'park', moves: todo, renames }
      await run(again as never, async () => {
        for (const r of renames) {
          const engine = await loadEngine(r.engine)
          await engine.rename(await relocate(repo, r), r.from, r.to)
        }
        for (const m of todo) await fsp.rename(m.from, m.to)
      })
      return
    }
    if (effect.action === 'reopen') return reopen(repo, effect)
    if (effect.action === 'sql') return revertSql(repo, effect, run)
    const db = await relocate(repo, effect)
    const engine = await loadEngine(effect.engine)
    if (!(await engine.exists(db, effect.keptAs))) {
      if (await engine.exists(db, effect.staged)) await engine.drop(db, effect.staged)
      return
    }
    // A copy staged but never swapped in is cpo's own scratch database.
    if (await engine.exists(db, effect.staged)) await engine.drop(db, effect.staged)
    const aside = effect.asideAs ?? undoneNameOf(effect)
    // Reverting `back` (a redo) puts every database where the restore had left it.
    const back: DbEffect = {
      ...effect,
      keptAs: aside,
      staged: effect.keptAs,
      asideAs: effect.keptAs,
    }
    if (await engine.exists(db, effect.live)) {
      // The swap back ends the sessions on live: journaled first, so a crash cannot leave it closed.
      await run(
        (await reopenEffect(db, effect.locator, [effect.live, effect.keptAs, aside])) as never,
        () => Promise.resolve(),
      )
      await run(back as never, () =>
        engine.swap(db, effect.keptAs, aside, { terminateConnections: true }),
      )
    } else {
      await run(back as never, () => engine.rename(db, effect.keptAs, effect.live))
    }
  },
  describe(raw: Effect) {
    const effect = raw as unknown as DbEffect
    if (effect.action === 'park')
      return `put ${effect.moves.length} database checkpoint file(s) back`
    if (effect.action === 'sql')
      return `put database ${effect.live} back as it was before the SQL (from ${effect.copy})`
    if (effect.action === 'reopen')
      return `let connections into ${effect.databases.join(', ')} again`
    return `put database ${effect.live} back as it was (from ${effect.keptAs})`
  },
}

export default dbEffectHandler
