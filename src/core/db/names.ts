import { createHash } from 'node:crypto'

/** PostgreSQL identifiers are at most 63 bytes; longer ones are cut and end in a hash. */
const MAX_IDENTIFIER = 63

/** `<db>__cpo_<suffix>`: template copies, kept (`before_<op>`), staged (`new_<op>`), undone. */
export function copyName(db: string, suffix: string): string {
  const name = `${db}__cpo_${suffix}`
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER) return name
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10)
  let head = name
  while (Buffer.byteLength(`${head}_${hash}`) > MAX_IDENTIFIER) head = head.slice(0, -1)
  return `${head}_${hash}`
}

/** A checkpoint name as one file-name part: `release/1.2` → `release%2F1.2`. */
export const fileSafe = (checkpoint: string): string =>
  checkpoint.replaceAll('%', '%25').replaceAll('/', '%2F')

/** Files of a database checkpoint in `.checkpoints/`. */
export const dbSidecars = {
  meta: (checkpoint: string) => `db-${fileSafe(checkpoint)}.json`,
  copy: (checkpoint: string, ext: 'sqlite' | 'dump') => `db-${fileSafe(checkpoint)}.${ext}`,
  schema: (checkpoint: string) => `schema-${fileSafe(checkpoint)}.sql`,
  migrations: (checkpoint: string) => `migrations-${fileSafe(checkpoint)}.json`,
}

export const sha256Hex = (text: string | Buffer): string =>
  createHash('sha256').update(text).digest('hex')
