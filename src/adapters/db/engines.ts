import { CpoError } from '../../errors.js'
import type { DbEngine, DbEngineName } from './types.js'

/**
 * Every database engine and where it lives, loaded only when a command needs it. Each module's
 * default export is its DbEngine; a new engine is one line here plus its module.
 */
const ENGINES: Partial<Record<DbEngineName, () => Promise<{ default: DbEngine }>>> = {
  sqlite: () => import('./sqlite.js'),
  postgres: () => import('./postgres.js'),
}

export async function loadEngine(name: DbEngineName): Promise<DbEngine> {
  const load = ENGINES[name]
  if (!load) {
    throw new CpoError(
      'DB_ENGINE_UNSUPPORTED',
      'external',
      `this version of cpo has no ${name} engine`,
      { hint: 'Update cpo; until then use --no-db to leave the database out.' },
    )
  }
  return (await load()).default
}
