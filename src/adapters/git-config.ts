import { git, splitZ } from './git.js'
import type { Repo } from './repo.js'

/** Values of git config keys (lower-case names), read in one call; undefined for a bare key. */
export type GitConfig = Map<string, string | undefined>

export async function readGitConfig(repo: Repo, keys: string[]): Promise<GitConfig> {
  const pattern = `^(${keys.map((k) => k.replaceAll('.', '\\.')).join('|')})$`
  const { stdout } = await git(repo.root, ['config', '-z', '--get-regexp', pattern], {
    okCodes: [1],
  })
  const config: GitConfig = new Map()
  for (const rec of splitZ(stdout)) {
    // The last one wins, as in git.
    const nl = rec.indexOf('\n')
    config.set(nl < 0 ? rec : rec.slice(0, nl), nl < 0 ? undefined : rec.slice(nl + 1))
  }
  return config
}

/** git's boolean spelling; a key without `= value` means true. */
export function gitBool(config: GitConfig, key: string, fallback: boolean): boolean {
  if (!config.has(key)) return fallback
  const value = config.get(key)
  if (value === undefined) return true
  return !['false', 'no', 'off', '0', ''].includes(value.trim().toLowerCase())
}
