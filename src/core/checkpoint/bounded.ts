import { needsEarlierHistory, parseCommitMessage } from './infer.js'
import type { Checkpoint, LogCommit } from './types.js'

const key = (c: Checkpoint) => `${c.kind}\0${c.commit}\0${c.stage?.number ?? '\0'}`

/**
 * The inferred checkpoints a rollback's plan counts, read from the commits after its target
 * only, or undefined when that could count differently from the whole history.
 *
 * The plan asks one thing of the checkpoints: for each commit the rollback discards, which
 * stages have a checkpoint on it — a tag, or an inferred checkpoint no tag replaces, inferred
 * stage starts left out (`stagesWithDiscardedWork`). Tags are read whole either way. For the
 * inferred ones, with `commits` the commits reachable from a branch but not from the target
 * (`git log --branches ^<target>`, the same order as in the whole log: no commit outside them
 * is a child of one inside):
 * - A commit's own checkpoint (a story, work, `checkpoint: before|after`, merge commit) depends
 *   on its subject, its `--source` branch and, only for a story that names no stage on a branch
 *   that names none, on earlier commits: `needsEarlierHistory` falls back for those.
 * - Its name may differ: the whole history can hold an older checkpoint of the same name
 *   elsewhere, and the newest keeps the name. A name decides whether a tag replaces it only
 *   when a tag has that name or the name with the commit appended: then fall back — unless a
 *   tag on the same commit with the same kind and stage replaces it in both reads anyway.
 * - A stage start inferred on the parent of a stage's first commit (`stage start`'s own
 *   `chore(stage-N): start` commit, whose name meets the `stage-N-start` tag) depends on
 *   whether the stage has earlier commits; the plan never counts inferred stage starts, so they
 *   are left out here and never force the whole read.
 * - A stage completion inferred on a done stage's last commit depends on later or earlier
 *   commits of that stage, but it sits on a commit whose own story or work checkpoint names the
 *   same stage (kept, or replaced by a tag of that stage on that commit): it never adds a stage
 *   to its commit, so it is left out too and its name needs no check.
 * What is returned is therefore, per discarded commit, the same set of stages as the whole
 * history's list gives, with tags merged in by the caller.
 */
export function inferredForPlan(
  commits: readonly LogCommit[],
  inferred: readonly Checkpoint[],
  tags: readonly Checkpoint[],
): Checkpoint[] | undefined {
  if (needsEarlierHistory(commits)) return undefined
  const subjects = new Map(commits.map((c) => [c.commit, c.subject]))
  const names = new Set(tags.map((t) => t.name))
  const tagged = new Set(tags.map(key))
  const kept: Checkpoint[] = []
  for (const c of inferred) {
    if (c.kind === 'stage-start') continue
    if (c.kind === 'stage-complete') {
      const own = parseCommitMessage(subjects.get(c.commit) ?? '')
      if (own?.kind !== 'stage-complete') continue // inferred on a done stage's last commit
    }
    if (tagged.has(key(c))) continue // replaced by its tag in both reads
    if (names.has(c.name) || names.has(`${c.name}-${c.commit.slice(0, 7)}`)) return undefined
    kept.push(c)
  }
  return kept
}
