import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { loadEngine } from '../../adapters/db/engines.js'
import type { Repo } from '../../adapters/repo.js'
import { CHECKPOINTS_DIR } from '../../core/checkpoint/sidecars.js'
import { copyName } from '../../core/db/names.js'
import type { RunEffect } from '../effects.js'
import type { DbEffect } from './effect.js'
import { requireDatabase } from './locate.js'
import { readDbCheckpoint, sidecarFilesOf } from './store.js'

export interface ParkedDbCheckpoint {
  /** Where the files went, relative to the repository root. */
  folder: string
  files: number
  /** The template copy's name while parked (postgres). */
  database?: string
  /** Set when the template copy could not be renamed (server unreachable): left where it was. */
  warning?: string
}

/**
 * Parks a checkpoint's database copy with the checkpoint (`cpo checkpoint delete`): its sidecar
 * files move to `.checkpoints/deleted/<op>/`, a template copy is renamed `<db>__cpo_deleted_<op>`,
 * as one `park` effect, so `cpo undo` puts both back; `cpo db list` and `prune` no longer see it.
 */
export async function parkDbCheckpoint(
  repo: Repo,
  checkpoint: string,
  opId: string,
  runEffect: RunEffect,
): Promise<ParkedDbCheckpoint | undefined> {
  const meta = await readDbCheckpoint(repo, checkpoint).catch(() => undefined)
  if (!meta) return undefined
  const folder = path.join(CHECKPOINTS_DIR, 'deleted', opId)
  const moves: { from: string; to: string }[] = []
  for (const rel of sidecarFilesOf(meta)) {
    const from = path.join(repo.root, rel)
    const there = await fsp.lstat(from).then(
      () => true,
      () => false,
    )
    if (there) moves.push({ from, to: path.join(repo.root, folder, path.basename(rel)) })
  }
  const effect: Extract<DbEffect, { action: 'park' }> = { kind: 'db', action: 'park', moves }
  let warning: string | undefined
  let database: string | undefined
  if (meta.strategy === 'template') {
    try {
      const found = await requireDatabase(repo)
      const engine = await loadEngine(found.location.engine)
      if (await engine.exists(found.location, meta.location)) {
        database = copyName(meta.database, `deleted_${opId}`)
        effect.renames = [
          {
            engine: found.location.engine,
            locator: found.locator,
            live: found.location.name,
            from: meta.location,
            to: database,
          },
        ]
      }
    } catch (e) {
      warning = `the template copy ${meta.location} stays on its server: ${e instanceof Error ? e.message : String(e)}`
    }
  }
  await runEffect(effect as never, async () => {
    await fsp.mkdir(path.join(repo.root, folder), { recursive: true })
    for (const r of effect.renames ?? []) {
      const found = await requireDatabase(repo)
      await (await loadEngine(r.engine)).rename(found.location, r.from, r.to)
    }
    for (const m of moves) await fsp.rename(m.from, m.to)
  })
  return {
    folder,
    files: moves.length,
    ...(database ? { database } : {}),
    ...(warning ? { warning } : {}),
  }
}
