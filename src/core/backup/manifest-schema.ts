import * as z from 'zod/mini'
import '../zod-setup.js'
import { COMPRESSIONS, checkEntries, damaged, MANIFEST_SCHEMA } from './manifest.js'

const entrySchema = z.object({
  path: z.string(),
  type: z.enum(['file', 'dir']),
  size: z.int().check(z.nonnegative()),
  /** Hex sha256 of the content; absent for directories. */
  sha256: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/))),
  mode: z.int().check(z.nonnegative()),
})

const manifestSchema = z.object({
  schema: z.literal(MANIFEST_SCHEMA),
  kind: z.literal('cpo-backup'),
  id: z.string().check(z.minLength(1)),
  tool: z.object({ name: z.string(), version: z.string() }),
  project: z.string(),
  host: z.string(),
  user: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  compression: z.enum(COMPRESSIONS),
  tags: z.array(z.string()),
  pinned: z.boolean(),
  git: z.object({
    /** `refs/heads/main` when HEAD names a branch, null when detached. */
    headSymref: z.nullable(z.string()),
    /** The commit HEAD resolves to; null on an unborn branch. */
    head: z.nullable(z.string()),
    refs: z.record(z.string(), z.string()),
  }),
  entries: z.array(entrySchema),
  env: z.nullable(z.object({ source: z.string(), redacted: z.array(z.string()) })),
  /** The database copy in the `db/` slot (`backup create --with-db`), or null. */
  db: z.nullable(
    z.object({
      engine: z.enum(['postgres', 'sqlite']),
      /** The archive entry holding it: `db/<name>.dump` (pg_dump -Fc) or `db/<name>.sqlite`. */
      path: z.string(),
      size: z.int().check(z.nonnegative()),
      sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
      /** Where it came from: `checkpoint <name>` (a copy already taken) or `live`. */
      source: z.string(),
      database: z.string(),
    }),
  ),
  /** Things a backup could not carry (e.g. a symlink inside .checkpoints/), with why. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
})

/** The sidecar copy in the store adds what only exists once the archive is complete. */
const sidecarSchema = z.extend(manifestSchema, {
  archive: z.object({
    name: z.string(),
    size: z.int().check(z.nonnegative()),
    sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  }),
})

export type ManifestEntry = z.infer<typeof entrySchema>
export type BackupManifest = z.infer<typeof manifestSchema>
export type StoredManifest = z.infer<typeof sidecarSchema>

function parseWith<T extends BackupManifest>(
  schema: z.ZodMiniType<T>,
  text: string,
  what: string,
): T {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw damaged(what, `not valid JSON (${(e as Error).message})`)
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw damaged(what, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`)
  }
  checkEntries(what, parsed.data.entries)
  return parsed.data
}

export const parseManifest = (text: string, what = 'manifest.json'): BackupManifest =>
  parseWith(manifestSchema, text, what)

export const parseStoredManifest = (text: string, what = 'manifest.json'): StoredManifest =>
  parseWith(sidecarSchema, text, what)
