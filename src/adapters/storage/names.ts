import { CpoError } from '../../errors.js'

/** What a backup id or an object name inside a backup may look like in any store. */
export const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/

/** Ids and object names come from users and manifests: never let one address another path. */
export function checkName(kind: string, name: string): void {
  if (!SAFE_NAME.test(name)) {
    throw new CpoError(
      'BACKUP_INVALID_ID',
      'invalidInput',
      `invalid backup ${kind} ${JSON.stringify(name)}`,
      { hint: 'Use an id as `cpo backup list` shows it.' },
    )
  }
}
