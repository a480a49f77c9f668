import { readCheckpointTags } from '../../adapters/checkpoint-tags.js'
import type { Repo } from '../../adapters/repo.js'
import { parseTagMessage } from '../../core/checkpoint/metadata.js'
import { CHECKPOINT_TAG_PREFIX, factsFromName } from '../../core/checkpoint/names.js'

export interface TagInfo {
  name: string
  commit: string
  kind: string
  deployment: { id: string; platform: string; url: string | null } | null
}

/** Every checkpoint tag with the deployment its metadata names (one `for-each-ref`). */
export async function checkpointTags(repo: Repo): Promise<TagInfo[]> {
  return (await readCheckpointTags(repo)).map((t) => {
    const name = t.ref.slice(CHECKPOINT_TAG_PREFIX.length)
    const { meta } = parseTagMessage(t.contents)
    return {
      name,
      commit: t.commit,
      kind: meta?.kind ?? factsFromName(name).kind,
      deployment: meta?.deployment ?? null,
    }
  })
}

/** The next `prod-vK`: one more than the highest K taken. */
export function nextProdVersion(tags: TagInfo[]): number {
  const taken = tags.flatMap((t) => /^prod-v(\d+)$/.exec(t.name)?.[1] ?? []).map(Number)
  return taken.length === 0 ? 1 : Math.max(...taken) + 1
}

/**
 * The checkpoint a `cpo db restore` would bring the database back to for `commit`: a stage or
 * phase checkpoint on that commit first, else any other (a prod-vK one included).
 */
export function checkpointOfCommit(tags: TagInfo[], commit: string | null): TagInfo | undefined {
  if (commit === null) return undefined
  const mine = tags.filter(
    (t) => t.commit === commit || (commit.length >= 7 && t.commit.startsWith(commit)),
  )
  return mine.find((t) => t.kind !== 'prod') ?? mine[0]
}
