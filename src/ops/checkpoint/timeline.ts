import type { Repo } from '../../adapters/repo.js'
import { buildTimeline, type Timeline } from '../../core/checkpoint/timeline.js'
import { type ProjectFileProblem, readProjectLeniently } from '../project-file.js'
import { listCheckpoints } from './list.js'

/**
 * `cpo timeline`: phases, stages and deploys with their checkpoints. Reads only. An unreadable
 * state file is a warning (its stages are missing from the picture), the same one `status` gives.
 */
export async function projectTimeline(
  repo: Repo,
): Promise<Timeline & { warnings: ProjectFileProblem[] }> {
  const reading = readProjectLeniently(repo)
  const [{ doc, problem }, checkpoints] = await Promise.all([
    reading,
    listCheckpoints(repo, { project: reading.then((r) => r.doc?.data) }),
  ])
  return { ...buildTimeline(doc?.data, checkpoints), warnings: problem === null ? [] : [problem] }
}
