import type { ProjectDocument } from '../../core/project/index.js'
import { currentStage, projectPhase } from '../../core/project/index.js'

/** The stage and phase a checkpoint taken now belongs to, as the state file says. */
export function projectContext(doc: ProjectDocument | undefined): {
  stage: { id: string; name: string | null } | null
  phase: number | null
} {
  if (doc === undefined) return { stage: null, phase: null }
  const stage = currentStage(doc.data)
  return {
    stage: stage === undefined ? null : { id: stage.id, name: stage.name ?? null },
    phase: projectPhase(doc.data)?.number ?? null,
  }
}
