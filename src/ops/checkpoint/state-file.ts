import { readTextIfExists, writeFileAtomic } from '../../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../../adapters/repo.js'
import { epicOfStage } from '../../core/checkpoint/stage-rules.js'
import type { Stage } from '../../core/project/index.js'
import {
  deriveEpicStatus,
  loadProjectSchemaFor,
  type ProjectDocument,
  parseProjectDocument,
  serializeProjectDocument,
  updateEpic,
} from '../../core/project/index.js'
import { CpoError } from '../../errors.js'

/** The state file's exact bytes (sidecars copy them as they are) and its parsed model. */
export async function readStateFile(repo: Repo): Promise<{ text: string; doc: ProjectDocument }> {
  const file = statePaths(repo).project
  const text = await readTextIfExists(inRepo(repo, file))
  if (text === undefined) {
    throw new CpoError('NO_PROJECT_FILE', 'notFound', `no ${file} in ${repo.root}`, {
      hint: `Stage commands need a CPO project; create ${file} (the CPO planning phase writes it), or point cpo at it with --project-file <path>.`,
    })
  }
  await loadProjectSchemaFor(text) // zod only for a text the plain checks refuse
  return { text, doc: parseProjectDocument(text, file) }
}

/** Writes the state file, unless it no longer holds `read` (the text `doc` was parsed from). */
export async function writeStateFile(
  repo: Repo,
  doc: ProjectDocument,
  read: string,
  /** `doc` serialized already (its blob made before the file is written). */
  text = serializeProjectDocument(doc),
): Promise<string> {
  await writeFileAtomic(inRepo(repo, statePaths(repo).project), text, { expected: read })
  return text
}

/** Sets the stage's epic to what its stages now say, when that differs. */
export function withEpicStatus(doc: ProjectDocument, stage: Stage): ProjectDocument {
  const epic = epicOfStage(doc.data, stage)
  if (epic === undefined) return doc
  const status = deriveEpicStatus(doc.data, epic.id)
  return epic.status === status ? doc : updateEpic(doc, epic.id, { status })
}
