import { createHash } from 'node:crypto'
import { MAX_IDENTIFIER_BYTES } from './postgres-names.js'

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

/**
 * `<db>__cpo_<suffix>`: template copies (`<checkpoint>`), kept (`before_<op>`), staged
 * (`new_<op>`), undone and scratch databases. Shortened to 63 bytes when longer: the end is
 * replaced by a hash of the full name, so two long names stay distinct and the same input always
 * gives the same name.
 */
export function copyName(db: string, suffix: string): string {
  const full = `${db}__cpo_${suffix}`
  if (bytes(full) <= MAX_IDENTIFIER_BYTES) return full
  const tail = `_${createHash('sha256').update(full).digest('hex').slice(0, 10)}`
  let head = full
  while (bytes(head) + bytes(tail) > MAX_IDENTIFIER_BYTES) head = head.slice(0, -1)
  // A cut through a surrogate pair would leave half a character.
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1)
  return `${head}${tail}`
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
