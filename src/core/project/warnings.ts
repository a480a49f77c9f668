import { currentStageId, epicsOf, stagesOf } from './queries.js'
import type { ProjectFile } from './schema.js'
import { dependenciesIndex, reachableFrom } from './stage-graph.js'

/**
 * Things a valid file can still get wrong. They do not stop cpo from reading or repairing the
 * file, so they are reported, not thrown.
 */
export interface ProjectWarning {
  readonly code:
    | 'CURRENT_STAGE_UNKNOWN'
    | 'DUPLICATE_STAGE_ID'
    | 'DEPENDENCY_UNKNOWN'
    | 'DEPENDENCY_CYCLE'
    | 'EPIC_STAGE_UNKNOWN'
    | 'STAGE_EPIC_UNKNOWN'
  readonly message: string
  /** JSON path of the offending value. */
  readonly path: string
}

const duplicateStageIds = (project: ProjectFile): ProjectWarning[] => {
  const seen = new Set<string>()
  return stagesOf(project).flatMap((stage, index) => {
    const duplicate = seen.has(stage.id)
    seen.add(stage.id)
    return duplicate
      ? [
          {
            code: 'DUPLICATE_STAGE_ID' as const,
            message: `stage id "${stage.id}" is used by more than one stage`,
            path: `$.stages[${index}].id`,
          },
        ]
      : []
  })
}

const unknownCurrentStage = (project: ProjectFile): ProjectWarning[] => {
  const id = currentStageId(project)
  if (id === undefined) return []
  const ids = stagesOf(project).map((s) => s.id.toLowerCase())
  if (ids.includes(id.toLowerCase())) return []
  const path = typeof project.currentStage === 'string' ? '$.currentStage' : '$.currentStage.id'
  return [
    { code: 'CURRENT_STAGE_UNKNOWN', message: `currentStage names unknown stage "${id}"`, path },
  ]
}

const unknownDependencies = (project: ProjectFile): ProjectWarning[] => {
  const ids = new Set(stagesOf(project).map((s) => s.id))
  return stagesOf(project).flatMap((stage, s) =>
    (stage.dependsOn ?? []).flatMap((dependency, d) =>
      ids.has(dependency)
        ? []
        : [
            {
              code: 'DEPENDENCY_UNKNOWN' as const,
              message: `stage ${stage.id} depends on unknown stage "${dependency}"`,
              path: `$.stages[${s}].dependsOn[${d}]`,
            },
          ],
    ),
  )
}

// One warning per cycle: stages that reach each other belong to the same cycle.
const dependencyCycles = (project: ProjectFile): ProjectWarning[] => {
  const stages = stagesOf(project)
  const next = dependenciesIndex(stages)
  const reach = new Map(stages.map((s) => [s.id, reachableFrom(s.id, next)]))
  const reported = new Set<string>()
  return stages.flatMap((stage, index) => {
    if (reported.has(stage.id) || !reach.get(stage.id)?.has(stage.id)) return []
    const cycle = stages
      .map((s) => s.id)
      .filter((id) => reach.get(stage.id)?.has(id) && reach.get(id)?.has(stage.id))
    for (const id of cycle) reported.add(id)
    const members = [...new Set(cycle)]
    const message =
      members.length === 1
        ? `stage ${stage.id} depends on itself`
        : `stages depend on each other in a cycle: ${members.join(', ')}`
    return [{ code: 'DEPENDENCY_CYCLE' as const, message, path: `$.stages[${index}].dependsOn` }]
  })
}

const unknownEpicReferences = (project: ProjectFile): ProjectWarning[] => {
  const stageIds = new Set(stagesOf(project).map((s) => s.id))
  const epicIds = new Set(epicsOf(project).map((e) => e.id))
  const fromEpics = epicsOf(project).flatMap((epic, e) =>
    (epic.stages ?? []).flatMap((id, s) =>
      stageIds.has(id)
        ? []
        : [
            {
              code: 'EPIC_STAGE_UNKNOWN' as const,
              message: `epic ${epic.id} lists unknown stage "${id}"`,
              path: `$.epics[${e}].stages[${s}]`,
            },
          ],
    ),
  )
  // Templates leave epicId empty; only a real id that matches no epic is a mistake.
  const fromStages =
    epicIds.size === 0
      ? []
      : stagesOf(project).flatMap((stage, s) =>
          typeof stage.epicId === 'string' && stage.epicId !== '' && !epicIds.has(stage.epicId)
            ? [
                {
                  code: 'STAGE_EPIC_UNKNOWN' as const,
                  message: `stage ${stage.id} belongs to unknown epic "${stage.epicId}"`,
                  path: `$.stages[${s}].epicId`,
                },
              ]
            : [],
        )
  return [...fromEpics, ...fromStages]
}

/** Consistency problems of a valid project file, in a stable order. */
export const projectWarnings = (project: ProjectFile): ProjectWarning[] => [
  ...unknownCurrentStage(project),
  ...duplicateStageIds(project),
  ...unknownDependencies(project),
  ...dependencyCycles(project),
  ...unknownEpicReferences(project),
]
