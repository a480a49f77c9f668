import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { git, splitZ } from '../../adapters/git.js'
import { openRepo } from '../../adapters/repo.js'
import { CpoError } from '../../errors.js'
import { openProjectRepo } from '../open-repo.js'
import { type RepoStatus, repoStatus } from '../status.js'
import { cleanupTarget, prepareTarget } from './target.js'

export interface RestoreFromGitOptions {
  /** A checkpoint name (`stage-3` or `checkpoint/stage-3`); default: the newest by tag date. */
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
  /** The checkpoint checked out, or null when the remote has none (default branch instead). */
  checkpoint: CheckpointTag | null
  branch: string | null
  status: RepoStatus
  notRestored: Array<{ what: string; why: string }>
}

const PREFIX = 'refs/tags/checkpoint/'

/**
 * `cpo restore --from-git <url|path> <dir>`: the disaster case where only the remote survived.
 * Clones, fetches the checkpoint tags and refs/cpo (clone skips the latter), and checks out the
 * chosen checkpoint on a new branch `restored/<name>` so no existing branch moves.
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
    let checkpoint: CheckpointTag | null = null
    let branch: string | null = null
    if (options.checkpoint !== undefined) {
      const want = options.checkpoint.replace(/^(refs\/tags\/)?checkpoint\//, '')
      checkpoint = checkpoints.find((c) => c.name === want) ?? null
      if (!checkpoint) {
        throw new CpoError(
          'CHECKPOINT_NOT_FOUND',
          'notFound',
          `no checkpoint ${JSON.stringify(want)} in ${source}`,
          {
            hint: checkpoints.length
              ? `Checkpoints there: ${checkpoints.map((c) => c.name).join(', ')}`
              : 'That repository has no checkpoint/* tags; omit --checkpoint to restore its default branch.',
          },
        )
      }
    } else checkpoint = checkpoints[0] ?? null
    if (checkpoint) {
      branch = `restored/${checkpoint.name}`
      await git(dir, ['checkout', '-q', '-b', branch, checkpoint.commit])
    } else {
      const head = await git(dir, ['symbolic-ref', '-q', '--short', 'HEAD'], { okCodes: [1] })
      branch = head.stdout.trim() || null
    }
    // The clone's own cpo.config.json says where its state file is; a restore never fails on it.
    const repo = await openProjectRepo(dir).catch(() => openRepo(dir))
    const status = await repoStatus(repo)
    return {
      source: from,
      target: dir,
      checkpoints,
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
