import { readJournal } from '../adapters/journal.js'
import type { Repo } from '../adapters/repo.js'
import { foldJournal, type Operation } from '../core/journal.js'
import { CpoError } from '../errors.js'

/** Operations, newest first. */
export async function operationLog(
  repo: Repo,
  limit?: number,
): Promise<{ operations: Operation[]; damagedLines: number[] }> {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new CpoError('USAGE', 'usage', `--limit takes a positive whole number, got ${limit}`)
  }
  const { events, damagedLines } = await readJournal(repo.cpoDir)
  const operations = foldJournal(events).reverse()
  return { operations: limit ? operations.slice(0, limit) : operations, damagedLines }
}
