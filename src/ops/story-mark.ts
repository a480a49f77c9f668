import { appendDurable, readTextIfExists, writeFileAtomic } from '../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../adapters/repo.js'
import { appendableEntry } from '../core/checkpoint/progress-log.js'
import { storyMarkedEntry } from '../core/checkpoint/workflow-entries.js'
import {
  detectJsonFormat,
  type ProjectDocument,
  renderJson,
  setProgress,
  stagesOf,
  updateStory,
} from '../core/project/index.js'
import { checkReason, checkStoryId, storyAliases } from '../core/rollback/index.js'
import { CpoError } from '../errors.js'
import { readStateFile, writeStateFile } from './checkpoint/state-file.js'
import { readProjectDocument } from './project-file.js'
import { type OperationReport, planReport, runOperation } from './protocol.js'
import { parsePrd, prdStories } from './rollback/story-write.js'

export interface StoryMarkPlan {
  story: string
  passes: boolean
  /** Where it is in master-project.json, when it is there. */
  stateStory: { stage: string; id: string; passes: boolean; attempts: number | null } | null
  /** The id prd.json knows it by, when prd.json names it. */
  prdStory: string | null
  /** `attempts` after the change (fail counts one more), when the file keeps a count. */
  attempts: number | null
  reason: string | null
}

export interface StoryMarkReport extends OperationReport, StoryMarkPlan {
  time: string
  files: string[]
}

/**
 * `cpo story pass|fail <id>`: marks a story `passes: true|false` in master-project.json and in
 * prd.json when it names the story; `completedAt` is set on pass and cleared on fail, and a fail
 * counts one more attempt. A PASSES/FAILS entry goes to the progress log. The files are edited
 * in the work tree and left uncommitted, as the workflow's own loop does.
 */
export async function markStory(
  repo: Repo,
  id: string,
  passes: boolean,
  options: { reason?: string; dryRun?: boolean; wait?: number } = {},
): Promise<
  { dryRun: true; plan: StoryMarkPlan } | ({ dryRun: false; plan: StoryMarkPlan } & StoryMarkReport)
> {
  const verb = passes ? 'pass' : 'fail'
  const outcome = await runOperation(repo, {
    command: `story ${verb}`,
    args: [id],
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r): Promise<StoryMarkPlan> => {
      checkStoryId(id)
      const reason =
        options.reason === undefined
          ? null
          : checkReason(options.reason, {
              what: 'a story mark',
              command: `cpo story ${verb} ${id}`,
            })
      const [doc, prdText] = await Promise.all([
        readProjectDocument(r),
        readTextIfExists(inRepo(r, statePaths(r).prd)),
      ])
      const stateStory = doc === undefined ? null : findStateStory(doc, id)
      const prd = parsePrd(prdText)
      const aliases = storyAliases(stateStory?.id ?? id)
      const prdStory =
        prd === undefined
          ? null
          : (prdStories(prd.value).find((s) => aliases.includes(s.id))?.id ?? null)
      if (stateStory === null && prdStory === null) {
        const known = doc === undefined ? [] : allStories(doc).map((s) => s.id)
        throw new CpoError(
          'STORY_NOT_FOUND',
          'notFound',
          `no story ${id} in master-project.json${prd === undefined ? '' : ' or prd.json'}; known stories: ${known.length === 0 ? '(none)' : known.join(', ')}`,
          {
            hint:
              known[0] === undefined
                ? 'Stories are listed in master-project.json (stages[].stories) or prd.json (userStories).'
                : `Use a story id as the file writes it: \`cpo story ${verb} ${known[0]}\`.`,
            details: { known },
          },
        )
      }
      const before = stateStory?.attempts ?? null
      return {
        story: stateStory?.id ?? prdStory ?? id,
        passes,
        stateStory,
        prdStory,
        attempts: stateStory === null ? null : passes ? before : (before ?? 0) + 1,
        reason,
      }
    },
    apply: async (ctx, plan) => {
      const time = new Date().toISOString()
      const files: string[] = []
      if (plan.stateStory !== null) {
        const { text, doc } = await readStateFile(ctx.repo)
        const s = plan.stateStory
        let next = updateStory(doc, s.stage, s.id, {
          passes: plan.passes,
          ...(plan.passes
            ? s.passes
              ? {}
              : { completedAt: time }
            : {
                attempts: plan.attempts ?? 1,
                ...(hasCompletedAt(doc, s) ? { completedAt: null } : {}),
              }),
        })
        if (next.data.progress !== undefined) next = setProgress(next)
        await writeStateFile(ctx.repo, next, text)
        files.push(statePaths(ctx.repo).project)
      }
      if (plan.prdStory !== null) {
        const file = inRepo(ctx.repo, statePaths(ctx.repo).prd)
        const text = await readTextIfExists(file)
        const prd = parsePrd(text)
        const value = prd?.value as { userStories?: unknown[] } | undefined
        if (prd !== undefined && value !== undefined && Array.isArray(value.userStories)) {
          value.userStories = value.userStories.map((story) => {
            const s = story as { id?: unknown; attempts?: unknown }
            if (s === null || typeof s !== 'object' || s.id !== plan.prdStory) return story
            const attempts =
              !plan.passes && typeof s.attempts === 'number' ? { attempts: s.attempts + 1 } : {}
            return { ...s, passes: plan.passes, ...attempts }
          })
          await writeFileAtomic(file, renderJson(value, detectJsonFormat(prd.text)), {
            expected: prd.text,
          })
          files.push(statePaths(ctx.repo).prd)
        }
      }
      const log = inRepo(ctx.repo, statePaths(ctx.repo).progress)
      const entry = storyMarkedEntry({
        time,
        storyId: plan.story,
        stageId: plan.stateStory?.stage ?? null,
        passes: plan.passes,
        attempts: plan.passes ? null : plan.attempts,
        reason: plan.reason,
        opId: ctx.opId,
      })
      await appendDurable(log, appendableEntry(await readTextIfExists(log), entry))
      files.push(statePaths(ctx.repo).progress)
      return {
        summary: `story ${plan.story} ${plan.passes ? 'passes' : 'fails'}`,
        result: { time, files },
      }
    },
  })
  return planReport(outcome)
}

const allStories = (doc: ProjectDocument) =>
  stagesOf(doc.data).flatMap((st) =>
    (st.stories ?? []).map((story) => ({
      stage: st.id,
      id: story.id,
      passes: story.passes === true,
      attempts: typeof story.attempts === 'number' ? story.attempts : null,
    })),
  )

// Exact id, then any case, then a unique `-<id>` suffix (`US-001` finds `S1-US-001`).
function findStateStory(doc: ProjectDocument, id: string): StoryMarkPlan['stateStory'] {
  const all = allStories(doc)
  const lower = id.toLowerCase()
  const exact = all.find((s) => s.id === id) ?? all.find((s) => s.id.toLowerCase() === lower)
  if (exact !== undefined) return exact
  const suffix = all.filter((s) => s.id.toLowerCase().endsWith(`-${lower}`))
  return suffix.length === 1 ? (suffix[0] ?? null) : null
}

const hasCompletedAt = (doc: ProjectDocument, s: { stage: string; id: string }): boolean =>
  stagesOf(doc.data)
    .find((st) => st.id === s.stage)
    ?.stories?.some((story) => story.id === s.id && Object.hasOwn(story, 'completedAt')) === true
