import {
  deriveEpicStatus,
  type Epic,
  epicsOf,
  type FeedbackLoop,
  type ProjectDocument,
  type ProjectFile,
  patchProjectFile,
  type Stage,
  type Story,
  setProgress,
  stagesOf,
  stagesOfEpic,
} from '../project/index.js'

/*
 * A rollback puts back the project's *progress*, not its *plan*: stages, stories and notes
 * added or edited since the target are today's decisions and stay. Only the fields the workflow
 * changes while it runs come from the target's own copy of the file.
 */

const STAGE_RUNTIME = ['status', 'startedAt', 'completedAt', 'testedAt', 'feedbackLoop'] as const
const STORY_RUNTIME = ['passes', 'attempts', 'completedAt'] as const
const PROGRESS_KEYS = [
  'phase',
  'completedEpics',
  'completedStages',
  'completedStories',
  'totalEpics',
  'totalStages',
  'totalStories',
] as const

type Loose = Record<string, unknown>

/** Copies `keys` from `source` where it has them (present keys only: absent is not null). */
const pick = (source: Loose | undefined, keys: readonly string[]): Loose =>
  source === undefined
    ? {}
    : Object.fromEntries(keys.filter((k) => Object.hasOwn(source, k)).map((k) => [k, source[k]]))

/** Existing keys keep their position, new ones go to the end. */
const patch = <T extends object>(target: T, changes: Loose): T => ({ ...target, ...changes }) as T

const resetFeedback = (loop: FeedbackLoop): FeedbackLoop =>
  patch(
    loop,
    pick({ iterations: 0, status: 'pending', history: [], approvedAt: null }, Object.keys(loop)),
  )

/** A story of a stage that starts again: not passing, never completed; attempts as they were. */
const resetStory = (story: Story, then: Story | undefined): Story =>
  patch(story, {
    ...pick(then as Loose | undefined, ['attempts']),
    passes: false,
    ...(Object.hasOwn(story, 'completedAt') ? { completedAt: null } : {}),
  })

const resetStage = (stage: Stage, then: Stage | undefined): Stage => {
  const timestamps = Object.fromEntries(
    (['startedAt', 'completedAt', 'testedAt'] as const)
      .filter((k) => Object.hasOwn(stage, k))
      .map((k) => [k, null]),
  )
  return patch(stage, {
    status: 'pending',
    ...timestamps,
    ...(stage.feedbackLoop === undefined
      ? {}
      : { feedbackLoop: resetFeedback(stage.feedbackLoop) }),
    ...(stage.stories === undefined
      ? {}
      : {
          stories: stage.stories.map((s) =>
            resetStory(
              s,
              then?.stories?.find((t) => t.id === s.id),
            ),
          ),
        }),
  })
}

/** Today's stage with the runtime fields the target's copy had (a story new since: reset). */
const stageAsThen = (stage: Stage, then: Stage): Stage =>
  patch(stage, {
    ...pick(then as Loose, STAGE_RUNTIME),
    ...(stage.stories === undefined
      ? {}
      : {
          stories: stage.stories.map((s) => {
            const old = then.stories?.find((t) => t.id === s.id)
            return old === undefined ? resetStory(s, undefined) : patch(s, pick(old, STORY_RUNTIME))
          }),
        }),
  })

export interface MergeResult {
  doc: ProjectDocument
  stages: Array<{ id: string; from: string; to: string }>
  stories: Array<{ id: string; stage: string; from: boolean; to: boolean }>
  epics: Array<{ id: string; from: string; to: string }>
}

/**
 * The state file after a rollback: today's plan with the runtime fields of `target` (the
 * target's own copy; undefined when it had none, which makes every stage pending). Stages in
 * `reset` become pending whatever the target says. Epic statuses come from the target, and are
 * derived again for epics whose stages were reset; the progress counters are recomputed so they
 * agree with the stages (they equal the target's when its file was consistent).
 */
export function mergeRollbackState(
  today: ProjectDocument,
  target: ProjectFile | undefined,
  reset: ReadonlySet<string>,
): MergeResult {
  const thenStages = target === undefined ? [] : stagesOf(target)
  const stages = stagesOf(today.data).map((s) => {
    const then = thenStages.find((t) => t.id === s.id)
    return target === undefined || then === undefined || reset.has(s.id)
      ? resetStage(s, then)
      : stageAsThen(s, then)
  })
  const resetIds = new Set(
    stagesOf(today.data)
      .map((s) => s.id)
      .filter(
        (id) => reset.has(id) || target === undefined || !thenStages.some((t) => t.id === id),
      ),
  )
  let doc = patchProjectFile(today, {
    stages: today.data.stages === undefined ? undefined : stages,
  })

  const thenEpics = target === undefined ? [] : epicsOf(target)
  if (today.data.epics !== undefined) {
    const epics = epicsOf(doc.data).map((e): Epic => {
      const then = thenEpics.find((t) => t.id === e.id)
      const touched = stagesOfEpic(doc.data, e.id).some((s) => resetIds.has(s.id))
      if (then?.status !== undefined && !touched) return patch(e, { status: then.status })
      return patch(e, { status: deriveEpicStatus(doc.data, e.id) })
    })
    doc = patchProjectFile(doc, { epics })
  }

  const top: Loose = {}
  if (target !== undefined && Object.hasOwn(target, 'currentPhase')) {
    top.currentPhase = target.currentPhase
  }
  if (Object.hasOwn(today.data, 'currentStage')) {
    // The skill's own rollback clears it: the target's value names a stage finished back then,
    // and copying it made the next no-argument rollback discard that stage. Today's value stays
    // only while it names a stage still in progress after the merge (a parallel stage).
    const current = today.data.currentStage ?? null
    const id = typeof current === 'string' ? current : current?.id
    const running = stagesOf(doc.data).some((s) => s.id === id && s.status === 'in_progress')
    top.currentStage = running ? current : null
  }
  if (today.data.project !== undefined && typeof target?.project?.status === 'string') {
    top.project = patch(today.data.project, { status: target.project.status })
  }
  if (today.data.progress !== undefined) {
    top.progress = patch(today.data.progress, pick(target?.progress as Loose, PROGRESS_KEYS))
  }
  doc = patchProjectFile(doc, top as Partial<ProjectFile>)
  if (today.data.progress !== undefined) doc = setProgress(doc)

  return { doc, ...changesBetween(today.data, doc.data) }
}

function changesBetween(before: ProjectFile, after: ProjectFile): Omit<MergeResult, 'doc'> {
  const status = (s: { status?: string | undefined }) => s.status || 'pending'
  const afterStages = stagesOf(after)
  const stages = stagesOf(before).flatMap((s, i) => {
    const a = afterStages[i]
    return a === undefined || status(a) === status(s)
      ? []
      : [{ id: s.id, from: status(s), to: status(a) }]
  })
  const stories = stagesOf(before).flatMap((s, i) =>
    (s.stories ?? []).flatMap((story, j) => {
      const a = afterStages[i]?.stories?.[j]
      const from = story.passes === true
      const to = a?.passes === true
      return from === to ? [] : [{ id: story.id, stage: s.id, from, to }]
    }),
  )
  const afterEpics = epicsOf(after)
  const epics = epicsOf(before).flatMap((e, i) => {
    const a = afterEpics[i]
    return a === undefined || status(a) === status(e)
      ? []
      : [{ id: e.id, from: status(e), to: status(a) }]
  })
  return { stages, stories, epics }
}
