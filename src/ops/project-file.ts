import { readTextIfExists } from '../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../adapters/repo.js'
import {
  DEFAULT_PROJECT_FILE_NAME,
  loadProjectSchemaFor,
  type ProjectDocument,
  parseProjectDocument,
} from '../core/project/index.js'
import { CpoError, isCpoError } from '../errors.js'

/** The names at the repository root; a repository's own paths come from `statePaths(repo)`. */
export const PROJECT_FILE = DEFAULT_PROJECT_FILE_NAME
export const PROGRESS_FILE = 'cpo-progress.md'

/** The project's state file, or undefined when this repository has none (cpo works without). */
export async function readProjectDocument(repo: Repo): Promise<ProjectDocument | undefined> {
  const file = statePaths(repo).project
  const text = await readTextIfExists(inRepo(repo, file))
  if (text === undefined) return undefined
  await loadProjectSchemaFor(text) // zod only for a text the plain checks refuse
  return parseProjectDocument(text, file)
}

/** For commands that cannot work without the state file. */
export async function requireProjectDocument(repo: Repo): Promise<ProjectDocument> {
  const doc = await readProjectDocument(repo)
  if (!doc) {
    const file = statePaths(repo).project
    throw new CpoError('NO_PROJECT_FILE', 'notFound', `no ${file} in ${repo.root}`, {
      hint: `This command needs a CPO project; create ${file} (the CPO planning phase writes it), or point cpo at it with --project-file <path>.`,
    })
  }
  return doc
}

/** Why the state file could not be read, as `status` reports it. */
export interface ProjectFileProblem {
  code: string
  message: string
  hint: string | null
}

/**
 * For commands that show what they can without the state file (timeline, checkpoint list):
 * the document, or the reason it is unreadable so they can warn instead of silently showing
 * no stages.
 */
export async function readProjectLeniently(
  repo: Repo,
): Promise<{ doc: ProjectDocument | undefined; problem: ProjectFileProblem | null }> {
  try {
    return { doc: await readProjectDocument(repo), problem: null }
  } catch (e) {
    if (!isCpoError(e) || e.exitClass !== 'invalidInput') throw e
    return { doc: undefined, problem: { code: e.code, message: e.message, hint: e.hint ?? null } }
  }
}
