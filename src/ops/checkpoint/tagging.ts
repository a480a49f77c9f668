import {
  committerIdent,
  createTag,
  readRef,
  writeTagObject,
} from '../../adapters/checkpoint-git.js'
import { cleanMessage } from '../../adapters/direct-commit.js'
import type { Repo } from '../../adapters/repo.js'
import { type CheckpointMeta, tagMessage } from '../../core/checkpoint/metadata.js'
import { type CheckpointKind, tagRefOf } from '../../core/checkpoint/names.js'
import { CpoError } from '../../errors.js'
import { VERSION } from '../../version.js'

export interface NewCheckpoint {
  name: string
  kind: CheckpointKind
  stage: { id: string; name: string | null } | null
  phase: number | null
  commit: string
  branch: string | null
  snapshot: string | null
  message: string | null
  subject: string
  deployment?: CheckpointMeta['deployment']
}

/**
 * Tags `commit` as `checkpoint/<name>` with the metadata in the message; returns the ref change
 * (`{ refs/tags/checkpoint/<name>: <tag object> }`).
 */
export async function tagCheckpoint(repo: Repo, c: NewCheckpoint): Promise<Record<string, string>> {
  const ref = tagRefOf(c.name)
  return { [ref]: await createTag(repo, ref, c.commit, tagMessage(metaOf(c), c.subject)) }
}

function metaOf(c: NewCheckpoint): CheckpointMeta {
  return {
    v: 1,
    tool: 'cpo',
    kind: c.kind,
    name: c.name,
    stage: c.stage,
    phase: c.phase,
    time: new Date().toISOString(),
    branch: c.branch,
    head: c.commit,
    snapshot: c.snapshot,
    version: VERSION,
    message: c.message,
    ...(c.deployment ? { deployment: c.deployment } : {}),
  }
}

/**
 * The checkpoint's tag object, written but not yet named, so that its ref can join the
 * transaction that moves HEAD (`advanceHead`): the object `git tag -a -F` writes, with the
 * committer identity `git tag` stamps (`ident`, from `git var GIT_COMMITTER_IDENT`) and its
 * message as git cleans it (`strip`: whitespace, and comment lines, of which a checkpoint's
 * message has none). Undefined when only `git tag` can make it: a signed tag
 * (`tag.gpgSign`, `tag.forceSignAnnotated`), a configured comment character, a reflog for tags
 * (`core.logAllRefUpdates=always`), no identity, or a line that starts like a comment.
 */
async function prepareCheckpointTag(
  repo: Repo,
  plainTags: boolean,
  ident: string | undefined,
  c: NewCheckpoint,
): Promise<{ ref: string; to: string } | undefined> {
  if (!plainTags || ident === undefined || /[\r\n]/.test(ident)) return undefined
  const message = cleanMessage(tagMessage(metaOf(c), c.subject))
  if (message.split('\n').some((l) => l.trimStart().startsWith('#'))) return undefined
  const ref = tagRefOf(c.name)
  const name = ref.slice('refs/tags/'.length)
  const text = `object ${c.commit}\ntype commit\ntag ${name}\ntagger ${ident}\n\n${message}`
  return { ref, to: await writeTagObject(repo, text) }
}

/**
 * The `tag` step of commitPendingWork for a checkpoint whose tag may join HEAD's move: the
 * committer identity is read at once (beside the commit), the tag object written for the new
 * commit when git would write it as cpo does (prepareCheckpointTag), else undefined and the
 * caller tags afterwards with tagCheckpoint.
 */
export function tagWithHead(
  repo: Repo,
  plainTags: boolean,
  checkpointOn: (commit: string) => NewCheckpoint | Promise<NewCheckpoint>,
): (commit: string) => Promise<{ ref: string; to: string } | undefined> {
  const ident = plainTags ? committerIdent(repo).catch(() => undefined) : Promise.resolve(undefined)
  return async (commit) =>
    prepareCheckpointTag(repo, plainTags, await ident, await checkpointOn(commit))
}

/** Refuses a checkpoint name that is taken (planned before anything changes). */
export async function requireFreeName(repo: Repo, name: string, hint: string): Promise<void> {
  if ((await readRef(repo, tagRefOf(name))) !== undefined) {
    throw new CpoError('CHECKPOINT_EXISTS', 'conflict', `checkpoint ${name} already exists`, {
      hint,
    })
  }
}
