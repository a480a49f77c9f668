import { CpoError } from '../../errors.js'

/** PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1); cpo never lets it. */
export const MAX_IDENTIFIER_BYTES = 63

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

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
