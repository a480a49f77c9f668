import * as z from 'zod/mini'
import '../zod-setup.js'
import { registerProjectSchema } from './schema-slot.js'

/*
 * The schema checks only what cpo relies on. Every object is loose because the workflow and the
 * agents add keys freely and cpo must write them back untouched; statuses are open strings
 * because new ones appear in the wild and an unknown status must not make a project unreadable.
 */

const timestamp = z.optional(z.nullable(z.string()))
const text = z.optional(z.nullable(z.string()))
const count = z.optional(z.number())
const ids = z.optional(z.array(z.string()))

export const storySchema = z.looseObject({
  id: z.string(),
  passes: z.optional(z.boolean()),
  attempts: z.optional(z.number()),
  completedAt: timestamp,
})

export const feedbackLoopSchema = z.looseObject({
  iterations: count,
  status: z.optional(z.string()),
  history: z.optional(z.array(z.unknown())),
  approvedAt: timestamp,
})

export const stageSchema = z.looseObject({
  id: z.string(),
  epicId: text,
  name: text,
  status: z.optional(z.string()),
  dependsOn: ids,
  stories: z.optional(z.array(storySchema)),
  startedAt: timestamp,
  completedAt: timestamp,
  testedAt: timestamp,
  feedbackLoop: z.optional(feedbackLoopSchema),
})

export const epicSchema = z.looseObject({
  id: z.string(),
  name: text,
  status: z.optional(z.string()),
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
  // The skill writes a name (`execution`); some files hold the phase's number instead.
  phase: z.optional(z.nullable(z.union([z.string(), z.number()]))),
  completedEpics: count,
  completedStages: count,
  completedStories: count,
  totalEpics: count,
  totalStages: count,
  totalStories: count,
})

export const projectFileSchema = z.looseObject({
  project: z.optional(
    z.looseObject({
      name: text,
      description: text,
      version: text,
      createdAt: timestamp,
      status: z.optional(z.string()),
    }),
  ),
  productDefinition: z.optional(z.looseObject({})),
  epics: z.optional(z.array(epicSchema)),
  stages: z.optional(z.array(stageSchema)),
  currentStage: z.optional(currentStageSchema),
  currentPhase: z.optional(z.nullable(z.number())),
  verification: z.optional(
    z.looseObject({ typecheck: text, test: text, lint: text, build: text, e2e: text }),
  ),
  repository: z.optional(z.looseObject({ url: text, branch: text, lastCommit: text })),
  progress: z.optional(progressSchema),
})

export type ProjectFile = z.infer<typeof projectFileSchema>
export type Stage = z.infer<typeof stageSchema>
export type Epic = z.infer<typeof epicSchema>
export type Story = z.infer<typeof storySchema>
export type FeedbackLoop = z.infer<typeof feedbackLoopSchema>
export type CurrentStageValue = z.infer<typeof currentStageSchema>
export type Progress = z.infer<typeof progressSchema>

registerProjectSchema(projectFileSchema)
