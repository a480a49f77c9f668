import { stageNumber } from '../project/queries.js'
import type { Stage } from '../project/schema.js'
import { parseTagMessage } from './metadata.js'
import { CHECKPOINT_TAG_PREFIX, type CheckpointKind, factsFromName } from './names.js'
import type { Checkpoint } from './types.js'

/** One `refs/tags/checkpoint/*` as a single `git for-each-ref` reports it. */
export interface TagRecord {
  ref: string
  /** The commit the tag peels to. */
  commit: string
  /** Tagger date (annotated) or commit date (lightweight), ISO 8601. */
  date: string
  /** The tag message; empty for a lightweight tag. */
  contents: string
}

export function checkpointFromTag(tag: TagRecord): Checkpoint {
  const name = tag.ref.slice(CHECKPOINT_TAG_PREFIX.length)
  const facts = factsFromName(name)
  const { subject, meta } = parseTagMessage(tag.contents)
  const number = meta?.stage ? (stageNumber(meta.stage.id) ?? null) : (facts.stageNumber ?? null)
  return {
    name,
    ref: tag.ref,
    kind: meta?.kind ?? facts.kind,
    inferred: false,
    stage:
      number === null
        ? null
        : { number, id: meta?.stage?.id ?? null, name: meta?.stage?.name ?? null },
    phase: meta?.phase ?? facts.phase ?? null,
    time: meta?.time ?? tag.date,
    commit: tag.commit,
    branch: meta?.branch ?? null,
    message: meta?.message ?? subject,
    snapshot: meta?.snapshot ?? null,
  }
}

// Order of checkpoints on one commit: what happened in it first, then the boundary after it
// (a stage start inferred on the parent of the stage's first commit comes after that commit).
const RANK: Record<CheckpointKind, number> = {
  'project-initialized': 0,
  'stage-work': 1,
  story: 1,
  'stage-complete': 2,
  'phase-complete': 3,
  prod: 4,
  user: 5,
  'stage-start': 6,
}

/**
 * Tags and inferred checkpoints in one list, in history order: by the position of their commit
 * in `commitOrder` (oldest first; commit dates have one-second resolution and agents commit
 * faster), then by time, lifecycle order and name. An inferred checkpoint a tag already stands
 * for (same name, or same kind, stage and commit) is dropped: the tag is authoritative.
 */
export function mergeCheckpoints(
  tags: Checkpoint[],
  inferred: Checkpoint[],
  commitOrder: readonly string[] = [],
): Checkpoint[] {
  const position = new Map(commitOrder.map((c, i) => [c, i]))
  const names = new Set(tags.map((t) => t.name))
  // One lookup per inferred checkpoint, not a scan of every tag: with thousands of tags and
  // thousands of commits the scan was most of a list's time.
  // A key holds the commit: only tags on a commit something was inferred on can match one.
  const key = (c: Checkpoint) => `${c.kind}\0${c.commit}\0${c.stage?.number ?? '\0'}`
  const onInferred = new Set(inferred.map((i) => i.commit))
  const tagged = new Set(tags.filter((t) => onInferred.has(t.commit)).map(key))
  const kept = inferred.filter((i) => !names.has(i.name) && !tagged.has(key(i)))
  // Sort keys computed once per checkpoint, not once per comparison.
  const all = [...tags, ...kept].map((c) => ({
    c,
    at: position.get(c.commit) ?? Number.MAX_SAFE_INTEGER,
    time: Date.parse(c.time),
  }))
  all.sort(
    (a, b) =>
      a.at - b.at ||
      a.time - b.time ||
      RANK[a.c.kind] - RANK[b.c.kind] ||
      (a.c.name < b.c.name ? -1 : a.c.name > b.c.name ? 1 : 0),
  )
  return all.map((x) => x.c)
}

/** Fills stage ids and names from the project file where only the number was known. */
export function withStageNames(list: Checkpoint[], stages: readonly Stage[]): Checkpoint[] {
  const byNumber = new Map<string, Stage>()
  for (const s of stages) {
    const n = stageNumber(s.id)
    if (n !== undefined && !byNumber.has(n)) byNumber.set(n, s)
  }
  return list.map((c) => {
    const stage = c.stage === null ? undefined : byNumber.get(c.stage.number)
    if (c.stage === null || stage === undefined) return c
    return {
      ...c,
      stage: {
        number: c.stage.number,
        id: c.stage.id ?? stage.id,
        name: c.stage.name ?? stage.name ?? null,
      },
    }
  })
}

/** Exact name first; else the unique checkpoint whose tag or name ends the input. */
export function findCheckpoint(list: readonly Checkpoint[], name: string): Checkpoint | undefined {
  const wanted = name.replace(/^(refs\/tags\/)?checkpoint\//, '')
  return list.find((c) => c.name === wanted && !c.inferred) ?? list.find((c) => c.name === wanted)
}
