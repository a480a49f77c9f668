// The known statuses live apart from the schema (schema.ts), so a module that needs only these
// lists does not load zod (ARCHITECTURE.md §20).

export const KNOWN_STAGE_STATUSES = [
  'pending',
  'in_progress',
  'implemented',
  'tested',
  'completed',
  'skipped',
  'failed',
  'blocked',
] as const

export const KNOWN_EPIC_STATUSES = ['pending', 'in_progress', 'completed'] as const

// Only `planning` and `in_progress` have been seen; `completed` is the obvious end state.
export const KNOWN_PROJECT_STATUSES = ['planning', 'in_progress', 'completed'] as const

export type KnownStageStatus = (typeof KNOWN_STAGE_STATUSES)[number]
export type KnownEpicStatus = (typeof KNOWN_EPIC_STATUSES)[number]
export type KnownProjectStatus = (typeof KNOWN_PROJECT_STATUSES)[number]
