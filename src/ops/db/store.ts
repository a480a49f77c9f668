import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { DbCopyRef, DbEngineName } from '../../adapters/db/types.js'
import type { Repo } from '../../adapters/repo.js'
import { CHECKPOINTS_DIR } from '../../core/checkpoint/sidecars.js'
import { dbSidecars } from '../../core/db/names.js'
import { CpoError } from '../../errors.js'

/**
 * A database checkpoint as recorded in `.checkpoints/db-<checkpoint>.json`: everything
 * `cpo db list` shows, so listing needs no server. Never holds a password.
 */
export interface DbCheckpointMeta {
  version: 1
  checkpoint: string
  time: string
  opId: string
  engine: DbEngineName
  redactedUrl: string
  /** postgres: the database name; sqlite: the absolute file path of the live database */
  database: string
  strategy: DbCopyRef['strategy']
  /** A file relative to the repository root (dump, sqlite), or the template database's name. */
  location: string
  bytes?: number
  sha256?: string
  schemaHash: string
  /** Sidecar file names in `.checkpoints/`. */
  schemaFile: string
  migrationsFile: string
  orm: 'prisma' | 'drizzle' | 'none'
  /** Names of the migrations applied at the checkpoint. */
  migrations: string[]
}

export const checkpointsDir = (repo: Repo): string => path.join(repo.root, CHECKPOINTS_DIR)

/** The copy as the engine sees it: file locations absolute. */
export function copyRefOf(repo: Repo, meta: DbCheckpointMeta): DbCopyRef {
  return {
    strategy: meta.strategy,
    location: meta.strategy === 'template' ? meta.location : path.resolve(repo.root, meta.location),
  }
}

export async function readDbCheckpoint(
  repo: Repo,
  checkpoint: string,
): Promise<DbCheckpointMeta | undefined> {
  const file = path.join(checkpointsDir(repo), dbSidecars.meta(checkpoint))
  const text = await fsp.readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as DbCheckpointMeta
  } catch {
    throw new CpoError(
      'DB_CHECKPOINT_DAMAGED',
      'invalidInput',
      `${CHECKPOINTS_DIR}/${dbSidecars.meta(checkpoint)} is not valid JSON`,
      {
        hint: `Take a new database checkpoint (\`cpo db checkpoint ${checkpoint}\`) or pick another (\`cpo db list\`).`,
      },
    )
  }
}

export async function requireDbCheckpoint(
  repo: Repo,
  checkpoint: string,
): Promise<DbCheckpointMeta> {
  const meta = await readDbCheckpoint(repo, checkpoint)
  if (meta) return meta
  const known = (await listDbCheckpoints(repo)).map((m) => m.checkpoint)
  throw new CpoError(
    'DB_CHECKPOINT_NOT_FOUND',
    'notFound',
    `no database checkpoint ${checkpoint}`,
    {
      hint:
        known.length > 0
          ? `Database checkpoints: ${known.join(', ')} (\`cpo db list\`).`
          : `None taken yet: \`cpo db checkpoint ${checkpoint}\` takes one (stage start takes one automatically).`,
    },
  )
}

/** Every database checkpoint, oldest first. */
export async function listDbCheckpoints(repo: Repo): Promise<DbCheckpointMeta[]> {
  const dir = checkpointsDir(repo)
  const names = (await fsp.readdir(dir).catch(() => [] as string[])).filter(
    (n) => n.startsWith('db-') && n.endsWith('.json'),
  )
  const metas: DbCheckpointMeta[] = []
  for (const n of names) {
    const meta = await readDbCheckpoint(repo, decodeURIComponent(n.slice(3, -5))).catch(
      () => undefined,
    )
    if (meta?.version === 1) metas.push(meta)
  }
  return metas.sort(
    (a, b) => a.time.localeCompare(b.time) || a.checkpoint.localeCompare(b.checkpoint),
  )
}

/** The sidecar files of one checkpoint (those that exist), relative to the repository root. */
export function sidecarFilesOf(meta: DbCheckpointMeta): string[] {
  return [dbSidecars.meta(meta.checkpoint), meta.schemaFile, meta.migrationsFile]
    .map((f) => `${CHECKPOINTS_DIR}/${f}`)
    .concat(meta.strategy === 'template' ? [] : [meta.location])
}
