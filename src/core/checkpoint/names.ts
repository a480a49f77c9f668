import { CpoError } from '../../errors.js'

/** Short names live under this tag namespace; `checkpoint/x` is the tag, `x` the checkpoint. */
export const CHECKPOINT_TAG_NAMESPACE = 'checkpoint/'
export const CHECKPOINT_TAG_PREFIX = `refs/tags/${CHECKPOINT_TAG_NAMESPACE}`
/**
 * Where a deleted checkpoint's tag object is parked. `cpo undo` puts the tag ref back, but only
 * a ref keeps the annotated tag object alive through `git gc`.
 */
export const DELETED_TAG_PREFIX = 'refs/cpo/deleted-tags/'

export type CheckpointKind =
  | 'project-initialized'
  | 'phase-complete'
  | 'stage-start'
  | 'stage-complete'
  | 'prod'
  | 'user'
  /** Inferred only: a commit of a stage's work (`feat(stage-3): …`). */
  | 'stage-work'
  /** Inferred only: a story's commit (`feat(S1-US-001): …`, `feat: US-001 - …`). */
  | 'story'

export const PROJECT_INITIALIZED = 'project-initialized'
export const stageStartName = (stageNo: string): string => `stage-${stageNo}-start`
export const stageCompleteName = (stageNo: string): string => `stage-${stageNo}-complete`
export const phaseCompleteName = (phase: number): string => `phase-${phase}-complete`
export const prodName = (version: number): string => `prod-v${version}`

export const tagRefOf = (name: string): string => `${CHECKPOINT_TAG_PREFIX}${name}`

/** What a checkpoint's name alone says (tags made by hand have no metadata). */
export interface NameFacts {
  kind: CheckpointKind
  stageNumber?: string
  phase?: number
}

export function factsFromName(name: string): NameFacts {
  if (name === PROJECT_INITIALIZED) return { kind: 'project-initialized' }
  const stage = /^stage-(\d+(?:\.\d+)*)-(start|complete)$/.exec(name)
  if (stage?.[1] !== undefined) {
    return {
      kind: stage[2] === 'start' ? 'stage-start' : 'stage-complete',
      stageNumber: stage[1],
    }
  }
  const phase = /^phase-(\d+)-complete$/.exec(name)
  if (phase?.[1] !== undefined) return { kind: 'phase-complete', phase: Number(phase[1]) }
  if (/^prod-v\d+$/.test(name)) return { kind: 'prod' }
  return { kind: 'user' }
}

// Mirrors `git check-ref-format` plus what would make a name awkward on a command line.
const FORBIDDEN = /[\s~^:?*[\\]/
const hasControl = (s: string): boolean =>
  [...s].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f')

function problemWith(name: string): string | undefined {
  if (name === '') return 'it is empty'
  if (name.length > 200) return 'it is longer than 200 characters'
  if (FORBIDDEN.test(name) || hasControl(name)) {
    return 'it contains a space, a control character or one of ~ ^ : ? * [ \\'
  }
  if (name.startsWith('-')) return 'it starts with "-" (it would read as an option)'
  if (name.includes('..')) return 'it contains ".."'
  if (name.includes('@{') || name === '@') return 'it contains "@{" or is "@"'
  if (name.endsWith('/') || name.includes('//')) return 'it ends with "/" or has an empty part'
  if (name.endsWith('.')) return 'it ends with "."'
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'a part of it starts with "."'
    if (part.endsWith('.lock')) return 'a part of it ends with ".lock"'
  }
  return undefined
}

/**
 * The short checkpoint name for what a user typed (`x`, `checkpoint/x` or
 * `refs/tags/checkpoint/x`), refused with a reason when git could not store it safely.
 */
export function checkpointName(input: string): string {
  const name = input.replace(/^(refs\/tags\/)?checkpoint\//, '')
  const problem = problemWith(name)
  if (problem !== undefined) {
    throw new CpoError(
      'INVALID_CHECKPOINT_NAME',
      'invalidInput',
      `invalid checkpoint name ${JSON.stringify(input)}: ${problem}`,
      {
        hint: 'Use letters, digits, "-", "_", "." and "/" (for example before-refactor or release/1.2).',
      },
    )
  }
  return name
}
