import path from 'node:path'
import { readBlobAt } from '../../adapters/checkpoint-git.js'
import { createFileIfAbsent, exists } from '../../adapters/fs.js'
import { type Repo, statePaths } from '../../adapters/repo.js'
import { checkpointName, factsFromName, phaseCompleteName } from '../../core/checkpoint/names.js'
import { CHECKPOINTS_DIR, sidecarNames } from '../../core/checkpoint/sidecars.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import { ENV_SOURCES, envTemplateFrom } from '../../core/redact/index.js'
import { listCheckpoints, resolveCheckpoint } from './list.js'
import { prepareSidecars, sidecarDir } from './sidecars.js'

export interface SidecarRebuild {
  name: string
  commit: string
  /** Created now (or, with --dry-run, that would be); relative to the repository. */
  written: string[]
  /** Already there: never overwritten, even when it differs from what the commit holds. */
  kept: string[]
  notRebuildable: Array<{ file: string; why: string }>
  /** Why nothing belongs to this checkpoint (user, project-initialized, prod, inferred). */
  note: string | null
}

export interface RebuildSidecarsReport {
  dryRun: boolean
  checkpoints: SidecarRebuild[]
}

const WORK_TREE_GONE = 'the work tree at that time is gone'

/**
 * `cpo checkpoint sidecars [name…]`: creates the missing sidecars of stage and phase checkpoint
 * tags (all of them when no name is given) from each tag's commit. A sidecar that exists is kept
 * as it is. No lock and no journal: this only creates ignored files that did not exist, each
 * atomically and only if still absent, and restores never touch ignored files, so there is
 * nothing to undo and nothing another cpo command could lose.
 */
export async function rebuildSidecars(
  repo: Repo,
  names: readonly string[] = [],
  options: { dryRun?: boolean } = {},
): Promise<RebuildSidecarsReport> {
  const targets = await checkpointsFor(repo, names)
  const dir = path.join(repo.root, CHECKPOINTS_DIR)
  const checkpoints: SidecarRebuild[] = []
  let prepared = false
  // One checkpoint at a time: a few git processes each, never one per tag all at once.
  for (const c of targets) {
    const { checkpoint, files, missing, note } = await planFor(repo, c)
    const written: string[] = []
    const kept: string[] = []
    const notRebuildable: SidecarRebuild['notRebuildable'] = []
    for (const { file, why } of missing) {
      if (await exists(path.join(dir, file))) kept.push(`${CHECKPOINTS_DIR}/${file}`)
      else notRebuildable.push({ file: `${CHECKPOINTS_DIR}/${file}`, why })
    }
    for (const [file, text] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const full = path.join(dir, file)
      let created = !(await exists(full))
      if (created && !options.dryRun) {
        if (!prepared) {
          await prepareSidecars(repo)
          await sidecarDir(repo)
          prepared = true
        }
        created = await createFileIfAbsent(full, text)
      }
      if (created) written.push(`${CHECKPOINTS_DIR}/${file}`)
      else kept.push(`${CHECKPOINTS_DIR}/${file}`)
    }
    checkpoints.push({
      name: checkpoint.name,
      commit: checkpoint.commit,
      written,
      kept: kept.sort(),
      notRebuildable,
      note,
    })
  }
  return { dryRun: options.dryRun === true, checkpoints }
}

/** The named checkpoints (every name checked before anything is read), or every stage/phase tag. */
async function checkpointsFor(repo: Repo, inputs: readonly string[]): Promise<Checkpoint[]> {
  const names = [...new Set(inputs.map(checkpointName))]
  if (names.length === 0) {
    const tags = await listCheckpoints(repo, { tagsOnly: true })
    return tags.filter((c) => note(c) === null)
  }
  const found: Checkpoint[] = []
  for (const name of names) found.push(await resolveCheckpoint(repo, name))
  return found
}

interface Plan {
  checkpoint: Checkpoint
  /** Sidecar name (in `.checkpoints/`) → content. */
  files: Record<string, string>
  /** Sidecars the commit cannot give back, and why (an existing one is still kept). */
  missing: Array<{ file: string; why: string }>
  note: string | null
}

/** Why a checkpoint has no sidecars to rebuild, or null when it has some. */
function note(c: Checkpoint): string | null {
  if (c.inferred) return 'inferred from a commit message, not a tag: no sidecars are rebuilt'
  const facts = factsFromName(c.name)
  if (facts.kind === 'phase-complete' && phaseCompleteName(facts.phase ?? 0) !== c.name) {
    return 'not a name `cpo phase complete` makes: no sidecars belong to it'
  }
  if (
    facts.kind === 'stage-start' ||
    facts.kind === 'stage-complete' ||
    facts.kind === 'phase-complete'
  ) {
    return null
  }
  return `a ${facts.kind} checkpoint has no sidecars`
}

// Sidecar names follow the tag name, as the commands that wrote them did.
async function planFor(repo: Repo, checkpoint: Checkpoint): Promise<Plan> {
  const plan: Plan = { checkpoint, files: {}, missing: [], note: note(checkpoint) }
  if (plan.note !== null) return plan
  const { commit } = checkpoint
  const facts = factsFromName(checkpoint.name)
  const state = async (file: string) => {
    const stateFile = statePaths(repo).project
    const text = await readBlobAt(repo, commit, stateFile)
    if (text === undefined) {
      plan.missing.push({ file, why: `no ${stateFile} at ${commit}` })
    } else plan.files[file] = text
  }
  if (facts.kind === 'stage-start') {
    const n = facts.stageNumber as string
    await state(sidecarNames.stateBefore(n))
    plan.files[sidecarNames.gitRef(n)] = `${commit}\n`
    const env = await envTemplateFrom((file) => readBlobAt(repo, commit, file))
    if (env === undefined) {
      plan.missing.push({
        file: sidecarNames.env(n),
        why: `no ${ENV_SOURCES.join(' or ')} at ${commit}`,
      })
    } else plan.files[sidecarNames.env(n)] = env.text
    // `git status` of a moment that is gone: never invented.
    plan.missing.push({ file: sidecarNames.gitStatus(n), why: WORK_TREE_GONE })
  } else if (facts.kind === 'stage-complete') {
    await state(sidecarNames.stateAfter(facts.stageNumber as string))
  } else {
    const phase = facts.phase as number
    await state(sidecarNames.statePhase(phase))
    plan.files[sidecarNames.gitRefPhase(phase)] = `${commit}\n`
  }
  return plan
}
