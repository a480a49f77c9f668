import type { ProjectFile } from './schema.js'

/*
 * `projectFileSchema` (schema.ts) restated as plain checks, for the read-only commands that run
 * in a few tens of milliseconds (`cpo status`): loading the validator costs more than the rest of
 * such a command. It answers one question, "does this value certainly pass the schema?", and a
 * caller that gets `false` runs the schema itself for its exact messages. A test compares the two
 * on every property the schema's JSON Schema names, so a field added there and not here fails it.
 */

type Check = (v: unknown) => boolean

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v)
const isString: Check = (v) => typeof v === 'string'
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v)
const text = optional((v) => v === null || isString(v))
const count = optional(isNumber)
const openString = optional(isString)
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check)
const ids = optional(arrayOf(isString))
const shape =
  (fields: Record<string, Check>): Check =>
  (v) =>
    isObject(v) && Object.entries(fields).every(([key, check]) => check(v[key]))

const story = shape({
  id: isString,
  passes: optional((v) => typeof v === 'boolean'),
  attempts: count,
  completedAt: text,
})

const stage = shape({
  id: isString,
  epicId: text,
  name: text,
  status: openString,
  dependsOn: ids,
  stories: optional(arrayOf(story)),
  startedAt: text,
  completedAt: text,
  testedAt: text,
  feedbackLoop: optional(
    shape({
      iterations: count,
      status: openString,
      history: optional(Array.isArray),
      approvedAt: text,
    }),
  ),
})

const epic = shape({ id: isString, name: text, status: openString, dependsOn: ids, stages: ids })

const projectFile = shape({
  project: optional(
    shape({ name: text, description: text, version: text, createdAt: text, status: openString }),
  ),
  productDefinition: optional(isObject),
  epics: optional(arrayOf(epic)),
  stages: optional(arrayOf(stage)),
  currentStage: optional(
    (v) => v === null || isString(v) || shape({ id: isString, name: text, totalStories: count })(v),
  ),
  currentPhase: optional((v) => v === null || isNumber(v)),
  verification: optional(
    shape({ typecheck: text, test: text, lint: text, build: text, e2e: text }),
  ),
  repository: optional(shape({ url: text, branch: text, lastCommit: text })),
  progress: optional(
    shape({
      phase: optional((v) => v === null || isString(v) || isNumber(v)),
      completedEpics: count,
      completedStages: count,
      completedStories: count,
      totalEpics: count,
      totalStages: count,
      totalStories: count,
    }),
  ),
})

/** True only when `projectFileSchema` accepts the value as it is (it has no transforms). */
export const passesProjectSchema = (value: unknown): value is ProjectFile => projectFile(value)
