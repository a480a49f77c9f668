import { z } from 'zod'

/*
 * The schema checks only what cpo relies on. Every object is loose because the workflow and the
 * agents add keys freely and cpo must write them back untouched; statuses are open strings
 * because new ones appear in the wild and an unknown status must not make a project unreadable.
 */

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

const timestamp = z.string().nullable().optional()
const text = z.string().nullable().optional()
const count = z.number().optional()
const ids = z.array(z.string()).optional()

export const storySchema = z.looseObject({
  id: z.string(),
  passes: z.boolean().optional(),
  attempts: z.number().optional(),
  completedAt: timestamp,
})

export const feedbackLoopSchema = z.looseObject({
  iterations: count,
  status: z.string().optional(),
  history: z.array(z.unknown()).optional(),
  approvedAt: timestamp,
})

export const stageSchema = z.looseObject({
  id: z.string(),
  epicId: text,
  name: text,
  status: z.string().optional(),
  dependsOn: ids,
  stories: z.array(storySchema).optional(),
  startedAt: timestamp,
  completedAt: timestamp,
  testedAt: timestamp,
  feedbackLoop: feedbackLoopSchema.optional(),
})

export const epicSchema = z.looseObject({
  id: z.string(),
  name: text,
  status: z.string().optional(),
  dependsOn: ids,
  stages: ids,
})

export const currentStageObjectSchema = z.looseObject({
  id: z.string(),
  name: text,
  totalStories: count,
})

export const currentStageSchema = z.union([z.null(), z.string(), currentStageObjectSchema], {
  error: 'expected null, a stage id string or an object with a string "id"',
})

export const progressSchema = z.looseObject({
  phase: text,
  completedEpics: count,
  completedStages: count,
  completedStories: count,
  totalEpics: count,
  totalStages: count,
  totalStories: count,
})

export const projectFileSchema = z.looseObject({
  project: z
    .looseObject({
      name: text,
      description: text,
      version: text,
      createdAt: timestamp,
      status: z.string().optional(),
    })
    .optional(),
  productDefinition: z.looseObject({}).optional(),
  epics: z.array(epicSchema).optional(),
  stages: z.array(stageSchema).optional(),
  currentStage: currentStageSchema.optional(),
  currentPhase: z.number().nullable().optional(),
  verification: z
    .looseObject({ typecheck: text, test: text, lint: text, build: text, e2e: text })
    .optional(),
  repository: z.looseObject({ url: text, branch: text, lastCommit: text }).optional(),
  progress: progressSchema.optional(),
})

export type ProjectFile = z.infer<typeof projectFileSchema>
export type Stage = z.infer<typeof stageSchema>
export type Epic = z.infer<typeof epicSchema>
export type Story = z.infer<typeof storySchema>
export type FeedbackLoop = z.infer<typeof feedbackLoopSchema>
export type CurrentStageValue = z.infer<typeof currentStageSchema>
export type Progress = z.infer<typeof progressSchema>
