import { gitBool, readGitConfig } from '../adapters/git-config.js'
import type { Repo } from '../adapters/repo.js'
import {
  rememberWorkTreeConfig,
  WORK_TREE_KEYS,
  workTreeConfigFrom,
} from '../adapters/snapshot/conversion.js'
import { DEFAULT_SIZE_CAP } from '../adapters/snapshot/types.js'
import { CpoError } from '../errors.js'

export interface Settings {
  /** Untracked files above this many bytes are left out of snapshots (and reported). */
  sizeCap: number
  /** git's commit.gpgSign: commits cpo writes with plumbing are signed like `git commit` would. */
  signCommits: boolean
  /** git's core.quotePath: how the `git status` text in sidecars quotes non-ASCII paths. */
  quotePath: boolean
  /**
   * An annotated tag git itself would write as cpo writes it (no signing, no comment character
   * set, no reflog for tags): then a checkpoint's tag joins the ref transaction that moves HEAD.
   */
  plainTags: boolean
}

/**
 * Settings come from the environment first, then `git config` (`cpo.*` keys, so they can be set
 * per repository or globally with the tool people already know). The two git settings that
 * change what cpo writes are read in the same call.
 */
export async function readSettings(repo: Repo): Promise<Settings> {
  const config = await readGitConfig(repo, [
    'cpo.snapshotsizecap',
    'commit.gpgsign',
    'core.quotepath',
    ...TAG_KEYS,
    ...WORK_TREE_KEYS,
  ])
  // Snapshots and restores ask for these later: this call has read them already.
  rememberWorkTreeConfig(repo, workTreeConfigFrom(config))
  const fromEnv = process.env.CPO_SNAPSHOT_SIZE_CAP
  const fromGit = config.get('cpo.snapshotsizecap')
  return {
    sizeCap: fromEnv
      ? parseSize(fromEnv, 'CPO_SNAPSHOT_SIZE_CAP')
      : fromGit
        ? parseSize(fromGit, 'cpo.snapshotSizeCap')
        : DEFAULT_SIZE_CAP,
    signCommits: gitBool(config, 'commit.gpgsign', false),
    quotePath: gitBool(config, 'core.quotepath', true),
    plainTags:
      !gitBool(config, 'tag.gpgsign', false) &&
      !gitBool(config, 'tag.forcesignannotated', false) &&
      !config.has('core.commentchar') &&
      !config.has('core.commentstring') &&
      config.get('core.logallrefupdates')?.trim().toLowerCase() !== 'always',
  }
}

/** The settings that make `git tag -a` write something other than a plain tag object. */
const TAG_KEYS = [
  'tag.gpgsign',
  'tag.forcesignannotated',
  'core.commentchar',
  'core.commentstring',
  'core.logallrefupdates',
]

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
