import { CpoError } from '../../errors.js'
import { quoteArg } from '../shell-quote.js'
import type { Epic, ProjectFile, Stage, Story } from './schema.js'
import { dependenciesIndex, dependentsIndex, reachableFrom } from './stage-graph.js'
import type { KnownEpicStatus } from './statuses.js'

/*
 * Status semantics. `tested` comes after `completed` in some runs and before it in others, so both
 * mean the stage's work is finished. `skipped` did no work: it unblocks dependents and lets an epic
 * finish, but it is not counted in `completedStages` (the counter reports work done).
 */
export const STAGE_COMPLETED_STATUSES: readonly string[] = ['completed', 'tested']
export const STAGE_DONE_STATUSES: readonly string[] = ['completed', 'tested', 'skipped']

export const isStageCompleted = (stage: Stage): boolean =>
  STAGE_COMPLETED_STATUSES.includes(stage.status ?? '')

export const isStageDone = (stage: Stage): boolean =>
  STAGE_DONE_STATUSES.includes(stage.status ?? '')

/** A missing or empty status is how templates say "not started". */
export const isStagePending = (stage: Stage): boolean =>
  stage.status === undefined || stage.status === '' || stage.status === 'pending'

export const isStoryCompleted = (story: Story): boolean => story.passes === true

export const stagesOf = (project: ProjectFile): readonly Stage[] => project.stages ?? []
export const epicsOf = (project: ProjectFile): readonly Epic[] => project.epics ?? []

const withoutLeadingZeros = (dotted: string): string =>
  dotted
    .split('.')
    .map((part) => part.replace(/^0+(?=\d)/, ''))
    .join('.')

/** The number a stage's tags and branches use: `S3` → `3`, `S5.1` → `5.1`, `Stage 2.1` → `2.1`. */
export const stageNumber = (id: string): string | undefined => {
  const match = /\d+(?:\.\d+)*/.exec(id)
  return match === null ? undefined : withoutLeadingZeros(match[0])
}

// Accepts what users type and commit messages contain: `3`, `5.1`, `s3`, `stage-3`, `Stage 2.1`.
const referencedNumber = (ref: string | number): string | undefined => {
  if (typeof ref === 'number') {
    return Number.isFinite(ref) && ref >= 0 ? withoutLeadingZeros(String(ref)) : undefined
  }
  const match = /^(?:s|stage)?[\s_-]*(\d+(?:\.\d+)*)$/i.exec(ref)
  return match?.[1] === undefined ? undefined : withoutLeadingZeros(match[1])
}

const listOrNone = (ids: readonly string[]): string =>
  ids.length === 0 ? '(none)' : ids.join(', ')

const ambiguous = (kind: string, ref: string, matches: readonly { id: string }[]): CpoError =>
  new CpoError(
    `${kind.toUpperCase()}_AMBIGUOUS`,
    'usage',
    `${kind[0]?.toUpperCase()}${kind.slice(1)} reference "${ref}" matches several ${kind}s: ${listOrNone(matches.map((m) => m.id))}`,
    { hint: `Use the exact ${kind} id.`, details: { ref, matches: matches.map((m) => m.id) } },
  )

/**
 * Resolves a stage by exact id, then case-insensitive id, then number (`3` finds `S3`, `5.1`
 * finds `S5.1`). With duplicated ids (a broken file) an exact match returns the first, so the
 * stage can still be repaired; `projectWarnings` reports the duplication.
 */
export const findStage = (project: ProjectFile, ref: string | number): Stage => {
  const stages = stagesOf(project)
  const wanted = String(ref).trim()
  const exact = stages.find((s) => s.id === String(ref)) ?? stages.find((s) => s.id === wanted)
  if (exact !== undefined) return exact

  const folded = stages.filter((s) => s.id.toLowerCase() === wanted.toLowerCase())
  if (folded.length > 1) throw ambiguous('stage', wanted, folded)
  if (folded[0] !== undefined) return folded[0]

  const number = referencedNumber(typeof ref === 'number' ? ref : wanted)
  const byNumber = number === undefined ? [] : stages.filter((s) => stageNumber(s.id) === number)
  if (byNumber.length > 1) throw ambiguous('stage', wanted, byNumber)
  if (byNumber[0] !== undefined) return byNumber[0]

  const known = stages.map((s) => s.id)
  throw new CpoError(
    'STAGE_NOT_FOUND',
    'notFound',
    `Stage "${wanted}" not found; known stages: ${listOrNone(known)}`,
    {
      hint:
        known[0] === undefined
          ? 'master-project.json lists no stages: see `cpo status`.'
          : `Use one of the known stage ids (${known.map(quoteArg).join(', ')}), or a stage number such as ${stageNumber(known[0]) ?? '1'} for ${quoteArg(known[0])}.`,
      details: { ref: wanted, known },
    },
  )
}

export const findEpic = (project: ProjectFile, ref: string): Epic => {
  const epics = epicsOf(project)
  const wanted = ref.trim()
  const exact = epics.find((e) => e.id === ref) ?? epics.find((e) => e.id === wanted)
  if (exact !== undefined) return exact
  const folded = epics.filter((e) => e.id.toLowerCase() === wanted.toLowerCase())
  if (folded.length > 1) throw ambiguous('epic', wanted, folded)
  if (folded[0] !== undefined) return folded[0]
  const known = epics.map((e) => e.id)
  throw new CpoError(
    'EPIC_NOT_FOUND',
    'notFound',
    `Epic "${wanted}" not found; known epics: ${listOrNone(known)}`,
    { hint: 'Use one of the known epic ids.', details: { ref: wanted, known } },
  )
}

export const findStory = (stage: Stage, ref: string): Story => {
  const stories = stage.stories ?? []
  const wanted = ref.trim()
  const exact = stories.find((s) => s.id === ref) ?? stories.find((s) => s.id === wanted)
  if (exact !== undefined) return exact
  const folded = stories.filter((s) => s.id.toLowerCase() === wanted.toLowerCase())
  if (folded.length > 1) throw ambiguous('story', wanted, folded)
  if (folded[0] !== undefined) return folded[0]
  const known = stories.map((s) => s.id)
  throw new CpoError(
    'STORY_NOT_FOUND',
    'notFound',
    `Story "${wanted}" not found in stage ${stage.id}; its stories: ${listOrNone(known)}`,
    {
      hint: 'Use one of the story ids of that stage.',
      details: { ref: wanted, stage: stage.id, known },
    },
  )
}

// Lenient lookup for ids written in the file itself: no number matching, never throws.
const stageById = (project: ProjectFile, id: string): Stage | undefined =>
  stagesOf(project).find((s) => s.id === id) ??
  stagesOf(project).find((s) => s.id.toLowerCase() === id.toLowerCase())

/** The id `currentStage` names, whichever of its shapes the file uses. */
export const currentStageId = (project: ProjectFile): string | undefined => {
  const value = project.currentStage
  if (typeof value === 'string') return value
  return value?.id
}

/**
 * The stage being worked on: the one `currentStage` names, or with `currentStage` null the first
 * stage in progress. An id that names no stage gives undefined (see `projectWarnings`).
 */
export const currentStage = (project: ProjectFile): Stage | undefined => {
  const id = currentStageId(project)
  if (id !== undefined) return stageById(project, id)
  return stagesOf(project).find((s) => s.status === 'in_progress')
}

/** Every stage that depends on the given one directly or transitively, in file order. */
export const dependentsOf = (project: ProjectFile, stageRef: string | number): Stage[] => {
  const stage = findStage(project, stageRef)
  const stages = stagesOf(project)
  const dependents = reachableFrom(stage.id, dependentsIndex(stages))
  return stages.filter((s) => s.id !== stage.id && dependents.has(s.id))
}

/** Every stage the given one depends on directly or transitively, in file order. */
export const dependenciesOf = (project: ProjectFile, stageRef: string | number): Stage[] => {
  const stage = findStage(project, stageRef)
  const stages = stagesOf(project)
  const dependencies = reachableFrom(stage.id, dependenciesIndex(stages))
  return stages.filter((s) => s.id !== stage.id && dependencies.has(s.id))
}

/**
 * Direct dependencies not done yet (an id naming no stage counts as unmet: it cannot be shown to
 * be done). Direct is enough: a done stage's own dependencies were met when it started.
 */
export const unmetDependencies = (project: ProjectFile, stageRef: string | number): string[] => {
  const stage = findStage(project, stageRef)
  const unmet = (stage.dependsOn ?? []).filter((id) => {
    const dependency = stagesOf(project).find((s) => s.id === id)
    return dependency === undefined || !isStageDone(dependency)
  })
  return [...new Set(unmet)]
}

export const dependenciesDone = (project: ProjectFile, stageRef: string | number): boolean =>
  unmetDependencies(project, stageRef).length === 0

/**
 * An epic's stages: its `stages` id list when it has a non-empty one (ids naming no stage are
 * skipped), else the stages whose `epicId` is the epic's id.
 */
export const stagesOfEpic = (project: ProjectFile, epicRef: string): Stage[] => {
  const epic = findEpic(project, epicRef)
  return epicStages(project, epic)
}

const epicStages = (project: ProjectFile, epic: Epic): Stage[] => {
  const stages = stagesOf(project)
  if (epic.stages !== undefined && epic.stages.length > 0) {
    return epic.stages.flatMap((id) => stages.find((s) => s.id === id) ?? [])
  }
  return stages.filter((s) => s.epicId === epic.id)
}

const epicStatus = (project: ProjectFile, epic: Epic): KnownEpicStatus => {
  const stages = epicStages(project, epic)
  const listed = epic.stages?.length ?? 0
  // A listed id naming no stage cannot be shown done, so the epic cannot be complete.
  const missing = listed === 0 ? 0 : listed - stages.length
  if (stages.length === 0 && missing === 0) {
    // Nothing to derive from: keep what the file says when it is a status cpo understands.
    return epic.status === 'in_progress' || epic.status === 'completed' ? epic.status : 'pending'
  }
  if (missing === 0 && stages.every(isStageDone)) return 'completed'
  return stages.some((s) => !isStagePending(s)) ? 'in_progress' : 'pending'
}

/** `completed` when all its stages are done, `in_progress` once any has started, else `pending`. */
export const deriveEpicStatus = (project: ProjectFile, epicRef: string): KnownEpicStatus =>
  epicStatus(project, findEpic(project, epicRef))

// A type alias, not an interface, so it stays assignable to the loose `progress` object.
export type ProgressCounters = {
  readonly completedEpics: number
  readonly completedStages: number
  readonly completedStories: number
  readonly totalEpics: number
  readonly totalStages: number
  readonly totalStories: number
}

/** The `progress` counters as the stages, stories and epics say they should be. */
export const recomputeProgress = (project: ProjectFile): ProgressCounters => {
  const stages = stagesOf(project)
  const epics = epicsOf(project)
  const stories = stages.flatMap((s) => s.stories ?? [])
  return {
    completedEpics: epics.filter((e) => epicStatus(project, e) === 'completed').length,
    completedStages: stages.filter(isStageCompleted).length,
    completedStories: stories.filter(isStoryCompleted).length,
    totalEpics: epics.length,
    totalStages: stages.length,
    totalStories: stories.length,
  }
}

export const PHASE_NAMES: Readonly<Record<number, string>> = {
  1: 'Discovery',
  2: 'Planning',
  3: 'Execution',
  4: 'Full Project Validation',
  5: 'Documentation & Delivery',
}

export const phaseName = (phase: number): string | undefined => PHASE_NAMES[phase]

const PHASE_WORDS: Readonly<Record<string, number>> = {
  discovery: 1,
  planning: 2,
  execution: 3,
  validation: 4,
  delivery: 5,
}

/** Where the phase was read from: the fields a write-back must keep to. */
export type PhaseSource = 'currentPhase' | 'progress.phase' | 'stages'

/** A `progress.phase` value as a phase number: a name (any case) or 1–5, else undefined. */
export const phaseFromProgress = (value: unknown): number | undefined => {
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 1 && value <= 5 ? value : undefined
  if (typeof value !== 'string') return undefined
  const text = value.trim().toLowerCase()
  if (/^[1-5]$/.test(text)) return Number(text)
  return PHASE_WORDS[text]
}

/** The word `progress.phase` uses for a phase number. */
export const progressPhaseWord = (phase: number): string | undefined =>
  Object.entries(PHASE_WORDS).find(([, n]) => n === phase)?.[0]

const isStageTested = (stage: Stage): boolean =>
  stage.status === 'tested' ||
  stage.status === 'skipped' ||
  (typeof stage.testedAt === 'string' && stage.testedAt !== '')

/**
 * The project's phase as the skill records it, in this order: a numeric `currentPhase` (cpo's
 * own field), `progress.phase` (the skill's templates write `execution`), else the skill's
 * rule from the stages: execution (3) while any stage is not done, validation (4) once every
 * stage is done but not all are tested, delivery (5) when all are tested. A file with no stages
 * and no phase field has no phase.
 */
export const projectPhase = (
  project: ProjectFile,
): { number: number; source: PhaseSource } | undefined => {
  if (typeof project.currentPhase === 'number') {
    return { number: project.currentPhase, source: 'currentPhase' }
  }
  const fromProgress = phaseFromProgress(project.progress?.phase)
  if (fromProgress !== undefined) return { number: fromProgress, source: 'progress.phase' }
  const stages = stagesOf(project)
  if (stages.length === 0) return undefined
  if (!stages.every(isStageDone)) return { number: 3, source: 'stages' }
  return { number: stages.every(isStageTested) ? 5 : 4, source: 'stages' }
}

/** Stages not done yet (not completed, tested or skipped), in file order. */
export const openStages = (project: ProjectFile): Stage[] =>
  stagesOf(project).filter((s) => !isStageDone(s))
