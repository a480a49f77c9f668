import { createHash } from 'node:crypto'
import { CpoError } from '../../errors.js'

/** PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1); cpo never lets it. */
export const MAX_IDENTIFIER_BYTES = 63

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

/**
 * `<db><infix><id>`, shortened to 63 bytes when longer: the end is replaced by a hash of the
 * full name, so two long names stay distinct and the same input always gives the same name.
 */
export function derivedName(db: string, infix: string, id: string): string {
  const full = `${db}${infix}${id}`
  if (bytes(full) <= MAX_IDENTIFIER_BYTES) return full
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 10)
  const tail = `_${hash}`
  let head = full
  while (bytes(head) + bytes(tail) > MAX_IDENTIFIER_BYTES) head = head.slice(0, -1)
  // A cut through a surrogate pair would leave half a character.
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1)
  return `${head}${tail}`
}

/** A template copy taken at a checkpoint: `<db>__cpo_<checkpoint-or-id>`. */
export const templateCopyName = (db: string, id: string): string => derivedName(db, '__cpo_', id)
/** The live database kept by a restore so undo is a swap back: `<db>__cpo_before_<op>`. */
export const keptName = (db: string, op: string): string => derivedName(db, '__cpo_before_', op)
/** The database a restore builds beside the live one: `<db>__cpo_new_<op>`. */
export const stagedName = (db: string, op: string): string => derivedName(db, '__cpo_new_', op)
/** The live database an undo of a restore moves aside (kept, never dropped). */
export const undoneName = (db: string, op: string): string => derivedName(db, '__cpo_undone_', op)

export function checkIdentifier(name: string): void {
  if (name.length === 0 || bytes(name) > MAX_IDENTIFIER_BYTES || name.includes('\0')) {
    throw new CpoError(
      'DB_NAME_INVALID',
      'invalidInput',
      `the database name ${JSON.stringify(name)} is not usable: PostgreSQL names are 1 to 63 bytes`,
      { hint: 'Pick a shorter name (cpo shortens the names it makes itself with a hash).' },
    )
  }
}

/** `"name"` with embedded quotes doubled: every identifier cpo sends is quoted. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`
/** `E'text'`: correct whatever standard_conforming_strings says. */
export const quoteLiteral = (text: string): string =>
  `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
