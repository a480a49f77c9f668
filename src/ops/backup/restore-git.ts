import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { git, splitZ } from '../../adapters/git.js'
import { openRepo } from '../../adapters/repo.js'
import { CpoError } from '../../errors.js'
import { openProjectRepo } from '../open-repo.js'
import { type RepoStatus, repoStatus } from '../status.js'
import { checkTarget, cleanupTarget, prepareTarget } from './target.js'

export interface RestoreFromGitOptions {
  /** A checkpoint name (`stage-3` or `checkpoint/stage-3`); default: the default branch's tip. */
  checkpoint?: string
  cwd: string
}

export interface CheckpointTag {
  name: string
  tag: string
  date: string
  commit: string
}

export interface RestoreFromGitReport {
  source: string
  target: string
  checkpoints: CheckpointTag[]
  /** The remote's default branch (its HEAD) and tip, created locally and tracking it. */
  defaultBranch: { name: string; commit: string } | null
  /** The newest checkpoint by tag date, restored or not. */
  newestCheckpoint: CheckpointTag | null
  /**
   * Commits between the newest checkpoint and the default tip: `ahead` on the default branch
   * since it, `notOnDefault` of the checkpoint's that the default branch lacks (another branch).
   */
  sinceNewest: { ahead: number; notOnDefault: number } | null
  /** The checkpoint checked out (`--checkpoint`), or null when the default tip is. */
  checkpoint: CheckpointTag | null
  /** The branch checked out: the default branch, or `restored/<name>` for a checkpoint. */
  branch: string | null
  status: RepoStatus
  notRestored: Array<{ what: string; why: string }>
}

const PREFIX = 'refs/tags/checkpoint/'

/**
 * `cpo restore --from-git <url|path> <dir>`: the disaster case where only the remote survived.
 * Clones (which checks out the remote's default branch on a local branch tracking it, as `git
 * clone` always does) and fetches the checkpoint tags and refs/cpo (clone skips the latter). The
 * default tip is the newest work, so it is what comes back; the report names the newest
 * checkpoint and how far the tip is ahead of it. `--checkpoint` checks that checkpoint out on a
 * new branch `restored/<name>` (a branch, not a detached HEAD, so commits made there are not
 * lost), leaving the default branch at its tip.
 */
export async function restoreFromGit(
  source: string,
  target: string,
  options: RestoreFromGitOptions,
): Promise<RestoreFromGitReport> {
  const dir = path.resolve(options.cwd, target)
  const local = path.resolve(options.cwd, source)
  const from = (await fsp.stat(local).catch(() => undefined)) ? local : source
  const created = await prepareTarget(dir, false)
  try {
    await git(path.dirname(dir), ['clone', '-q', '--', from, dir])
    await git(dir, ['fetch', '-q', 'origin', `+${PREFIX}*:${PREFIX}*`, '+refs/cpo/*:refs/cpo/*'])
    const checkpoints = await listCheckpoints(dir)
    const defaultBranch = await checkedOutBranch(dir)
    const newestCheckpoint = checkpoints[0] ?? null
    let checkpoint: CheckpointTag | null = null
    let branch = defaultBranch?.name ?? null
    if (options.checkpoint !== undefined) {
      checkpoint = findCheckpoint(checkpoints, options.checkpoint, source)
    } else if (defaultBranch === null && newestCheckpoint) {
      // No default branch to restore (the remote's HEAD names no branch): the newest checkpoint
      // is the best there is.
      checkpoint = newestCheckpoint
    }
    if (checkpoint) {
      branch = `restored/${checkpoint.name}`
      await git(dir, ['checkout', '-q', '-b', branch, checkpoint.commit])
    }
    const sinceNewest =
      defaultBranch && newestCheckpoint
        ? await distance(dir, newestCheckpoint.commit, defaultBranch.commit)
        : null
    // The clone's own cpo.config.json says where its state file is; a restore never fails on it.
    const repo = await openProjectRepo(dir).catch(() => openRepo(dir))
    const status = await repoStatus(repo)
    return {
      source: from,
      target: dir,
      checkpoints,
      defaultBranch,
      newestCheckpoint,
      sinceNewest,
      checkpoint,
      branch,
      status,
      notRestored: [
        {
          what: '.checkpoints/ sidecars and untracked state',
          why: 'they are never pushed; only a backup archive carries them',
        },
        {
          what: 'env files',
          why: 'they are not in git; recreate them from the project documentation',
        },
      ],
    }
  } catch (e) {
    await cleanupTarget(dir, created)
    throw e
  }
}

export interface RestoreFromGitPreview {
  dryRun: true
  source: string
  target: string
  directory: 'create' | 'fill'
  defaultBranch: { name: string; commit: string } | null
  /** Names and commits only: tag dates need the objects, which a dry run does not fetch. */
  checkpoints: Array<{ name: string; commit: string }>
  /**
   * The branch that would be checked out, and at which commit; null for both when the remote
   * has no default branch, and then `newestCheckpoint` says what would be (tag dates need the
   * objects).
   */
  branch: string | null
  commit: string | null
  newestCheckpoint: 'by tag date, on restored/<name>' | null
}

/** `--from-git … --dry-run`: one `git ls-remote`, nothing cloned or created. */
export async function previewRestoreFromGit(
  source: string,
  target: string,
  options: RestoreFromGitOptions,
): Promise<RestoreFromGitPreview> {
  const dir = path.resolve(options.cwd, target)
  const local = path.resolve(options.cwd, source)
  const from = (await fsp.stat(local).catch(() => undefined)) ? local : source
  const state = await checkTarget(dir, false)
  const { stdout } = await git(options.cwd, [
    'ls-remote',
    '--symref',
    '--',
    from,
    'HEAD',
    `${PREFIX}*`,
  ])
  let headName: string | null = null
  let headCommit: string | null = null
  const tags = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const [left, ref] = line.split('\t')
    if (!left || !ref) continue
    if (ref === 'HEAD' && left.startsWith('ref: '))
      headName = left.slice(5).replace('refs/heads/', '')
    else if (ref === 'HEAD') headCommit = left
    else if (ref.endsWith('^{}')) tags.set(ref.slice(PREFIX.length, -3), left)
    else if (!tags.has(ref.slice(PREFIX.length))) tags.set(ref.slice(PREFIX.length), left)
  }
  const checkpoints = [...tags]
    .map(([name, commit]) => ({ name, commit }))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
  const defaultBranch = headName && headCommit ? { name: headName, commit: headCommit } : null
  let branch = defaultBranch?.name ?? null
  let commit = defaultBranch?.commit ?? null
  if (options.checkpoint !== undefined) {
    const c = findCheckpoint(
      checkpoints.map((x) => ({ ...x, tag: `checkpoint/${x.name}`, date: '' })),
      options.checkpoint,
      source,
    )
    branch = `restored/${c.name}`
    commit = c.commit
  }
  return {
    dryRun: true,
    source: from,
    target: dir,
    directory: state === 'missing' ? 'create' : 'fill',
    defaultBranch,
    checkpoints,
    branch,
    commit,
    newestCheckpoint:
      branch === null && checkpoints.length > 0 ? 'by tag date, on restored/<name>' : null,
  }
}

function findCheckpoint(checkpoints: CheckpointTag[], given: string, source: string) {
  const want = given.replace(/^(refs\/tags\/)?checkpoint\//, '')
  const found = checkpoints.find((c) => c.name === want)
  if (found) return found
  throw new CpoError(
    'CHECKPOINT_NOT_FOUND',
    'notFound',
    `no checkpoint ${JSON.stringify(want)} in ${source}`,
    {
      hint: checkpoints.length
        ? `Checkpoints there, newest first: ${checkpoints.map((c) => c.name).join(', ')}`
        : 'That repository has no checkpoint/* tags; omit --checkpoint to restore its default branch.',
    },
  )
}

/** The branch `git clone` checked out: the remote's HEAD (none when it names no branch). */
async function checkedOutBranch(dir: string): Promise<{ name: string; commit: string } | null> {
  const head = await git(dir, ['symbolic-ref', '-q', '--short', 'HEAD'], { okCodes: [1] })
  const name = head.stdout.trim()
  if (name === '') return null
  const commit = await git(dir, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], {
    okCodes: [1],
  })
  const oid = commit.stdout.trim()
  return oid === '' ? null : { name, commit: oid }
}

async function distance(
  dir: string,
  checkpoint: string,
  tip: string,
): Promise<{ ahead: number; notOnDefault: number }> {
  const { stdout } = await git(dir, [
    'rev-list',
    '--count',
    '--left-right',
    `${checkpoint}...${tip}`,
    '--',
  ])
  const [left, right] = stdout.trim().split(/\s+/).map(Number)
  return { ahead: right ?? 0, notOnDefault: left ?? 0 }
}

/** Newest first by tag date (the tagger date of annotated tags). */
async function listCheckpoints(dir: string): Promise<CheckpointTag[]> {
  const { stdout } = await git(dir, [
    'for-each-ref',
    '--sort=-creatordate',
    '--format=%(refname)%00%(creatordate:iso-strict)%00%(*objectname)%00%(objectname)%00',
    PREFIX,
  ])
  const fields = splitZ(stdout.replace(/\n/g, ''))
  const out: CheckpointTag[] = []
  for (let i = 0; i + 3 < fields.length; i += 4) {
    const tag = fields[i] as string
    out.push({
      name: tag.slice(PREFIX.length),
      tag: tag.slice('refs/tags/'.length),
      date: fields[i + 1] as string,
      commit: (fields[i + 2] || fields[i + 3]) as string,
    })
  }
  return out
}
