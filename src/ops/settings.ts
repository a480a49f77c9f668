import { git } from '../adapters/git.js'
import type { Repo } from '../adapters/repo.js'
import { DEFAULT_SIZE_CAP } from '../adapters/snapshot/types.js'
import { CpoError } from '../errors.js'

export interface Settings {
  /** Untracked files above this many bytes are left out of snapshots (and reported). */
  sizeCap: number
}

/**
 * Settings come from the environment first, then `git config` (`cpo.*` keys, so they can be set
 * per repository or globally with the tool people already know).
 */
export async function readSettings(repo: Repo): Promise<Settings> {
  const fromEnv = process.env.CPO_SNAPSHOT_SIZE_CAP
  if (fromEnv) return { sizeCap: parseSize(fromEnv, 'CPO_SNAPSHOT_SIZE_CAP') }
  const { stdout } = await git(repo.root, ['config', '--get', 'cpo.snapshotSizeCap'], {
    okCodes: [1],
  })
  const value = stdout.trim()
  return { sizeCap: value ? parseSize(value, 'cpo.snapshotSizeCap') : DEFAULT_SIZE_CAP }
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

export function parseSize(text: string, source: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i.exec(text)
  if (!m) {
    throw new CpoError('INVALID_SETTING', 'invalidInput', `${source}: not a size: ${text}`, {
      hint: 'Use a number of bytes or a size like 500k, 100m, 2g.',
    })
  }
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? 1))
}
