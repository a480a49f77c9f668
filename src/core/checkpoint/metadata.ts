import type { CheckpointKind } from './names.js'

/** What cpo writes into a checkpoint tag's message, after a one-line human subject. */
export interface CheckpointMeta {
  v: 1
  tool: 'cpo'
  kind: CheckpointKind
  name: string
  stage: { id: string; name: string | null } | null
  phase: number | null
  time: string
  /** Full branch name the checkpoint was taken on, or null on a detached HEAD. */
  branch: string | null
  head: string
  /** The snapshot of the whole state taken by the operation that made the checkpoint. */
  snapshot: string | null
  version: string
  message: string | null
  /** `prod-vK` checkpoints: the production deployment of this commit (`cpo deploy record`). */
  deployment?: { id: string; platform: string; url: string | null }
}

/**
 * `<subject>\n\n<JSON>\n`: `git show` and `git tag -n` stay readable, and cpo finds its JSON as
 * the body. A hand-made tag has no such body and is still a checkpoint (metadata null).
 */
export function tagMessage(meta: CheckpointMeta, subject: string): string {
  return `${subject.replace(/[\r\n]+/g, ' ')}\n\n${JSON.stringify(meta, null, 2)}\n`
}

export function parseTagMessage(contents: string): {
  subject: string
  meta: CheckpointMeta | null
} {
  const split = contents.indexOf('\n\n')
  const subject = (split === -1 ? contents : contents.slice(0, split)).trim()
  if (split === -1) return { subject, meta: null }
  try {
    const value = JSON.parse(contents.slice(split + 2)) as Partial<CheckpointMeta> | null
    if (value === null || typeof value !== 'object' || value.tool !== 'cpo') {
      return { subject, meta: null }
    }
    if (typeof value.kind !== 'string' || typeof value.time !== 'string') {
      return { subject, meta: null }
    }
    return { subject, meta: value as CheckpointMeta }
  } catch {
    return { subject, meta: null }
  }
}
