import { CpoError } from '../../errors.js'
import { editJsonText } from './json-edit.js'
import { BOM, detectJsonFormat, type JsonFormat, renderJson, stripBom } from './json-format.js'
import { toJsonPath } from './json-path.js'
import { lineColumnAt, locateJsonSyntaxError } from './json-syntax-error.js'
import { passesProjectSchema } from './plain-check.js'
import { findEpic, findStage, findStory, recomputeProgress, stagesOf } from './queries.js'
import type { CurrentStageValue, Epic, ProjectFile, Stage, Story } from './schema.js'
import { registeredProjectSchema } from './schema-slot.js'

export const DEFAULT_PROJECT_FILE_NAME = 'master-project.json'

/** How the file writes `currentStage`, remembered while it is null so the next write matches. */
export type CurrentStageShape =
  | { readonly kind: 'string' }
  | { readonly kind: 'object'; readonly keys: readonly string[] }

export interface ProjectDocument {
  /** Used in messages only; the caller owns reading and writing the file. */
  readonly fileName: string
  /**
   * The parsed value itself, validated: original key order and unknown keys intact. Never the
   * schema's output, which reorders keys. Treat as read-only; the update helpers copy.
   */
  readonly data: ProjectFile
  readonly format: JsonFormat
  /** The text the document was parsed from: a write edits it in place (see json-edit.ts). */
  readonly source?: string
  readonly currentStageShape: CurrentStageShape | undefined
}

export interface SchemaProblem {
  /** JSON path such as `$.stages[2].dependsOn`. */
  readonly path: string
  readonly message: string
  readonly code: string
}

const restoreHint = (fileName: string): string =>
  `Fix ${fileName} by hand, or restore a good copy with \`cpo snapshot restore <id> --paths ${fileName}\`.`

const parseJson = (text: string, fileName: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (error) {
    const parserMessage = error instanceof Error ? error.message : String(error)
    const located = locateJsonSyntaxError(text) ?? locationFromParserMessage(text, parserMessage)
    const where = located === undefined ? '' : ` at line ${located.line}, column ${located.column}`
    throw new CpoError(
      'STATE_FILE_INVALID_JSON',
      'invalidInput',
      `${fileName} is not valid JSON${where}: ${located?.problem ?? parserMessage}`,
      {
        hint: restoreHint(fileName),
        details: { file: fileName, ...located, parserMessage },
        cause: error,
      },
    )
  }
}

// Fallback for texts the scanner could not judge (nesting too deep): V8 sometimes gives a position.
const locationFromParserMessage = (text: string, message: string) => {
  const match = /^(.*?) in JSON at position (\d+)/.exec(message)
  if (match?.[1] === undefined || match[2] === undefined) return undefined
  const offset = Number(match[2])
  return { offset, ...lineColumnAt(text, offset), problem: match[1] }
}

/**
 * Schema problems of a parsed value, in zod's order; empty when it is a valid project file. A
 * value the plain checks pass (`passesProjectSchema`, ARCHITECTURE.md §20) certainly passes the
 * schema, so it has none: a rollback validates the state file at every update, and zod's parse
 * of the whole file (compiled on first use) is then not run at all.
 */
export const projectSchemaProblems = (value: unknown): SchemaProblem[] => {
  if (passesProjectSchema(value)) return []
  const schema = registeredProjectSchema()
  if (schema === undefined) {
    // A caller reached a refused value without `loadProjectSchema` first: a bug in cpo, said
    // as one instead of a wrong "valid".
    throw new CpoError(
      'INTERNAL',
      'internal',
      'the project schema is needed but was not loaded (call loadProjectSchema first)',
    )
  }
  const result = schema.safeParse(value)
  if (result.success) return []
  return result.error.issues.map((issue) => ({
    path: toJsonPath(issue.path),
    message: issue.message.replace(/^Invalid input: /, ''),
    code: issue.code,
  }))
}

/**
 * Loads the project schema (and zod with it), for a value the plain checks refuse: the sync
 * validators below need it then. The readers of a state text load it only for a text that
 * needs it (`loadProjectSchemaFor`); `cpo mcp` loads it before it serves (ARCHITECTURE.md §33).
 */
export const loadProjectSchema = async (): Promise<void> => {
  if (registeredProjectSchema() === undefined) await import('./schema.js')
}

/** `loadProjectSchema` when `text` is a JSON value the plain checks refuse (or not JSON). */
export const loadProjectSchemaFor = async (text: string): Promise<void> => {
  if (registeredProjectSchema() !== undefined) return
  let value: unknown
  try {
    value = JSON.parse(stripBom(text))
  } catch {
    return // parseProjectDocument reports the syntax error without the schema
  }
  if (!passesProjectSchema(value)) await loadProjectSchema()
}

const describeProblems = (problems: readonly SchemaProblem[]): string => {
  const [first] = problems
  if (first === undefined) return ''
  const more = problems.length - 1
  const rest = more === 0 ? '' : ` (and ${more} more problem${more === 1 ? '' : 's'})`
  return `${first.path}: ${first.message}${rest}`
}

const validated = (value: unknown, fileName: string): ProjectFile => {
  const problems = projectSchemaProblems(value)
  if (problems.length > 0) {
    throw new CpoError(
      'STATE_FILE_INVALID',
      'invalidInput',
      `${fileName} is not a valid CPO project file: ${describeProblems(problems)}`,
      { hint: restoreHint(fileName), details: { file: fileName, issues: problems } },
    )
  }
  // The schema has no transforms or defaults, so a value that passes it already is a ProjectFile.
  return value as ProjectFile
}

const shapeOf = (value: CurrentStageValue | undefined): CurrentStageShape | undefined => {
  if (typeof value === 'string') return { kind: 'string' }
  if (value === null || value === undefined) return undefined
  return { kind: 'object', keys: Object.keys(value) }
}

export const parseProjectDocument = (
  text: string,
  fileName = DEFAULT_PROJECT_FILE_NAME,
): ProjectDocument => {
  const data = validated(parseJson(stripBom(text), fileName), fileName)
  return {
    fileName,
    data,
    format: detectJsonFormat(text),
    source: text,
    currentStageShape: shapeOf(data.currentStage),
  }
}

/**
 * The parsed text with only the changed values edited in place (its layout, BOM, line endings
 * and final newline kept); the whole value in JSON.stringify layout when there is no text to
 * edit or it cannot be edited into exactly the new value.
 */
export const serializeProjectDocument = (doc: ProjectDocument): string =>
  editedJson(doc.source, doc.data, doc.format)

/** `value` written over `source` (a JSON text) with as few edits as possible. */
export function editedJson(source: string | undefined, value: unknown, format: JsonFormat): string {
  if (source !== undefined) {
    const body = stripBom(source)
    let before: unknown
    try {
      before = JSON.parse(body)
    } catch {
      before = undefined
    }
    const edited = before === undefined ? undefined : editJsonText(body, before, value, format)
    if (edited !== undefined) return `${format.bom ? BOM : ''}${edited}`
  }
  return renderJson(value, format)
}

/**
 * A patch of an object: a key keeps its position when present, new keys go to the end, and a key
 * whose value is `undefined` is removed (JSON.stringify would drop it anyway).
 */
export type Patch<T> = { readonly [K in keyof T]?: T[K] | undefined }

const patched = <T extends object>(target: T, patch: Patch<T>): T => {
  const changes = Object.entries(patch)
  const changed = new Map(changes)
  const kept = Object.entries(target).flatMap(([key, value]): [string, unknown][] => {
    if (!changed.has(key)) return [[key, value]]
    const next = changed.get(key)
    return next === undefined ? [] : [[key, next]]
  })
  const added = changes.filter(([key, value]) => !Object.hasOwn(target, key) && value !== undefined)
  // Object.fromEntries defines own properties, so even a "__proto__" key survives as data.
  return Object.fromEntries([...kept, ...added]) as T
}

/**
 * Problems of an updated value. Commands that write the state do not load the schema up front
 * (ARCHITECTURE.md §33): every state text they read was either accepted by the plain checks or
 * made its reader load the schema (`loadProjectSchemaFor`). The plain checks accept exactly what
 * the schema accepts (test/core/project/plain-check.test.ts), so an update they refuse is a bug
 * in cpo; without the schema it is reported as such, with the plain checks' verdict alone.
 */
const updateProblems = (data: unknown): SchemaProblem[] => {
  if (passesProjectSchema(data) || registeredProjectSchema() !== undefined) {
    return projectSchemaProblems(data)
  }
  return [{ path: '$', message: 'a value of the wrong type', code: 'custom' }]
}

const withData = (
  doc: ProjectDocument,
  data: ProjectFile,
  currentStageShape = doc.currentStageShape,
): ProjectDocument => {
  const problems = updateProblems(data)
  if (problems.length > 0) {
    throw new CpoError(
      'STATE_UPDATE_INVALID',
      'internal',
      `An update would make ${doc.fileName} invalid: ${describeProblems(problems)}`,
      { details: { file: doc.fileName, issues: problems } },
    )
  }
  return { ...doc, data, currentStageShape }
}

/** Shallow patch of the top-level object (e.g. `repository`, `currentPhase`). */
export const patchProjectFile = (
  doc: ProjectDocument,
  patch: Patch<ProjectFile>,
): ProjectDocument => withData(doc, patched(doc.data, patch))

const replaceStage = (doc: ProjectDocument, stage: Stage, next: Stage): ProjectDocument => {
  const stages = stagesOf(doc.data)
  return withData(doc, patched(doc.data, { stages: stages.with(stages.indexOf(stage), next) }))
}

/** `stageRef` resolves like `findStage` (exact id, case-insensitive id, or number). */
export const updateStage = (
  doc: ProjectDocument,
  stageRef: string | number,
  patch: Patch<Stage>,
): ProjectDocument => {
  const stage = findStage(doc.data, stageRef)
  return replaceStage(doc, stage, patched(stage, patch))
}

export const updateStory = (
  doc: ProjectDocument,
  stageRef: string | number,
  storyId: string,
  patch: Patch<Story>,
): ProjectDocument => {
  const stage = findStage(doc.data, stageRef)
  const story = findStory(stage, storyId)
  const stories = stage.stories ?? []
  const next = stories.with(stories.indexOf(story), patched(story, patch))
  return replaceStage(doc, stage, patched(stage, { stories: next }))
}

export const updateEpic = (
  doc: ProjectDocument,
  epicId: string,
  patch: Patch<Epic>,
): ProjectDocument => {
  const epic = findEpic(doc.data, epicId)
  const epics = doc.data.epics ?? []
  const next = epics.with(epics.indexOf(epic), patched(epic, patch))
  return withData(doc, patched(doc.data, { epics: next }))
}

// Keys a currentStage object can hold that are computed rather than copied from the stage.
const computedCurrentStageKeys: Record<string, (stage: Stage) => unknown> = {
  id: (stage) => stage.id,
  totalStories: (stage) => stage.stories?.length ?? 0,
  completedStories: (stage) => (stage.stories ?? []).filter((s) => s.passes === true).length,
}

/**
 * The object form has the keys the file used, filled from the new stage; a key the stage cannot
 * supply is left out rather than carrying over the previous stage's value.
 */
const currentStageObject = (stage: Stage, keys: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(
    keys.flatMap((key): [string, unknown][] => {
      const compute = computedCurrentStageKeys[key]
      const value = compute !== undefined ? compute(stage) : stage[key]
      return value === undefined ? [] : [[key, value]]
    }),
  )

/**
 * Points `currentStage` at a stage (resolved like `findStage`) or clears it, in the shape the file
 * uses: a string id, or an object with the same keys. A file that never had a non-null value
 * gets a string.
 */
export const setCurrentStage = (
  doc: ProjectDocument,
  stageRef: string | number | null,
): ProjectDocument => {
  if (stageRef === null) return withData(doc, patched(doc.data, { currentStage: null }))
  const stage = findStage(doc.data, stageRef)
  const shape = doc.currentStageShape ?? { kind: 'string' }
  const value = shape.kind === 'string' ? stage.id : currentStageObject(stage, shape.keys)
  return withData(doc, patched(doc.data, { currentStage: value as CurrentStageValue }), shape)
}

export const setCurrentPhase = (doc: ProjectDocument, phase: number | null): ProjectDocument =>
  withData(doc, patched(doc.data, { currentPhase: phase }))

/**
 * Writes the recomputed counters into `progress`, keeping its other keys (such as `phase`) and
 * their order; a file without `progress` gets one at the end.
 */
export const setProgress = (doc: ProjectDocument): ProjectDocument => {
  const progress = patched(doc.data.progress ?? {}, recomputeProgress(doc.data))
  return withData(doc, patched(doc.data, { progress }))
}
