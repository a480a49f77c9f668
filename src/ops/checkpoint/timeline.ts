import type { Repo } from '../../adapters/repo.js'
import { buildTimeline, type Timeline } from '../../core/checkpoint/timeline.js'
import { isCpoError } from '../../errors.js'
import { readProjectDocument } from '../project-file.js'
import { listCheckpoints } from './list.js'

/** `cpo timeline`: phases, stages and deploys with their checkpoints. Reads only. */
export async function projectTimeline(repo: Repo): Promise<Timeline> {
  const [doc, checkpoints] = await Promise.all([
    readProjectDocument(repo).catch((e) => {
      if (isCpoError(e) && e.exitClass === 'invalidInput') return undefined
      throw e
    }),
    listCheckpoints(repo),
  ])
  return buildTimeline(doc?.data, checkpoints)
}
