import type { CheckpointKind } from './names.js'

/** One checkpoint as `checkpoint list` reports it: a tag, or inferred from commit messages. */
export interface Checkpoint {
  /** Without the `checkpoint/` prefix; what a user types. */
  name: string
  /** `refs/tags/checkpoint/<name>`, or null for an inferred checkpoint. */
  ref: string | null
  kind: CheckpointKind
  inferred: boolean
  /** The stage number from the name or message (`3`, `5.1`), its id and name when known. */
  stage: { number: string; id: string | null; name: string | null } | null
  phase: number | null
  /** When it was taken (metadata time, tagger date, or the commit date when inferred). */
  time: string
  commit: string
  /** Full branch name it was taken on, when known. */
  branch: string | null
  /** The user's message, the tag subject, or the commit subject it was inferred from. */
  message: string
  /** The snapshot of the whole state recorded with it, when cpo made it. */
  snapshot: string | null
}

/** One commit as the inference reads it from a single `git log`. */
export interface LogCommit {
  commit: string
  parents: string[]
  /** Committer date, ISO 8601. */
  time: string
  /** The ref the commit was reached from (`git log --source`), when known. */
  source: string | null
  subject: string
}
