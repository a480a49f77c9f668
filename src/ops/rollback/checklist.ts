import { type Repo, statePaths } from '../../adapters/repo.js'
import { postJson } from '../../adapters/webhook.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import { type GitFacts, stateProblems } from '../../core/diagnose/consistency.js'
import type { ProjectFile } from '../../core/project/index.js'
import { loadProjectSchemaFor, parseProjectDocument } from '../../core/project/index.js'
import { type ChecklistItem, checkedItem } from '../../core/rollback/checklist.js'
import { CpoError } from '../../errors.js'
import { createBackup } from '../backup/create.js'
import { chooseStore, projectName } from '../backup/store-location.js'
import { type WalkAhead, walkAhead } from '../diagnose/branch-walk.js'
import { databaseOutcome } from '../diagnose/database.js'
import { readStateFacts, stateCheckWalks } from '../diagnose/git-facts.js'
import { readProjectDocument } from '../project-file.js'
import type { AfterReport } from './after.js'

export interface ChecklistOptions {
  /** Write a full backup (`cpo backup create`) before anything changes. */
  backup?: boolean
  /** A webhook that gets one JSON message before the rollback. */
  notify?: string
}

/**
 * The steps of the before-list that run before the rollback's own operation: the backup (its
 * failure stops the rollback, nothing changed) and the notification (its failure is reported,
 * not fatal: the team not hearing of it must not keep a broken stage in place).
 */
export async function runBeforeSteps(
  repo: Repo,
  command: string,
  reason: string,
  options: ChecklistOptions,
): Promise<ChecklistItem[]> {
  const items: ChecklistItem[] = []
  if (options.backup) {
    try {
      const store = await chooseStore({ store: undefined, cwd: repo.root, repo: async () => repo })
      const b = await createBackup(repo, store, { project: await projectName(repo) })
      items.push(
        checkedItem(
          'backup',
          'before',
          'full backup written',
          'ok',
          `backup ${b.id} in ${b.store}`,
        ),
      )
    } catch (e) {
      throw new CpoError(
        'BACKUP_FAILED',
        'external',
        `the backup before the rollback failed: ${e instanceof Error ? e.message : String(e)}; nothing was rolled back`,
        {
          hint: 'Fix the backup store (see `cpo backup create`), or roll back without --backup.',
          cause: e,
        },
      )
    }
  } else {
    items.push(
      checkedItem(
        'backup',
        'before',
        'full backup written',
        'skipped',
        'not asked (--backup writes one); the before-snapshot keeps everything',
      ),
    )
  }
  if (options.notify !== undefined) {
    const r = await postJson(options.notify, {
      event: 'cpo.rollback',
      command: `cpo ${command}`,
      reason,
      project: await projectName(repo),
      time: new Date().toISOString(),
    })
    items.push(
      r.ok
        ? checkedItem(
            'notify',
            'before',
            'team notified',
            'ok',
            `POST ${options.notify} answered ${r.status}`,
          )
        : checkedItem(
            'notify',
            'before',
            'team notified',
            'failed',
            `POST ${options.notify}: ${r.error ?? `answered ${r.status}`}`,
          ),
    )
  } else {
    items.push(checkedItem('notify', 'before', 'team notified', 'skipped', 'no --notify <webhook>'))
  }
  return items
}

/** What the before-list says about a rollback: its reason, its target, the work it sets aside. */
export interface BeforeFacts {
  reason: string
  /** Evidence that the target is the right one (a checkpoint on the branch, the story's commits). */
  target: string
  uncommitted: readonly string[]
}

/** The before-list as it stands once the before-snapshot exists (inside the operation). */
export function beforeItems(
  facts: BeforeFacts,
  snapshotId: string,
  steps: readonly ChecklistItem[],
): ChecklistItem[] {
  const { uncommitted } = facts
  return [
    checkedItem('reason', 'before', 'reason recorded', 'ok', facts.reason),
    checkedItem('target', 'before', 'target verified', 'ok', facts.target),
    checkedItem(
      'snapshot',
      'before',
      'snapshot taken',
      'ok',
      `snapshot ${snapshotId} (\`cpo undo\` returns to it)`,
    ),
    ...steps,
    checkedItem(
      'uncommitted',
      'before',
      'uncommitted changes listed',
      'ok',
      uncommitted.length === 0
        ? 'none'
        : `${uncommitted.length}: ${uncommitted.slice(0, 10).join(', ')}`,
    ),
  ]
}

/**
 * The after-list: the state against git, tests, dependencies, the database. The state check and
 * the database's status only read, so they run side by side. `started`: the state check's git
 * reads begun as soon as HEAD moved (`startStateFacts`), when nothing ran since.
 */
export async function afterItems(
  repo: Repo,
  after: AfterReport,
  started: StartedStateFacts | undefined,
  ahead: WalkAhead | undefined,
): Promise<ChecklistItem[]> {
  const [problems, database] = await Promise.all([
    stateCheck(repo, started, ahead),
    databaseItem(repo),
  ])
  const v = after.verification
  const i = after.install
  return [
    problems.length === 0
      ? checkedItem(
          'state',
          'after',
          'state consistent with git',
          'ok',
          'every stage and story agrees with the checkpoints on HEAD',
        )
      : checkedItem(
          'state',
          'after',
          'state consistent with git',
          'failed',
          `${problems.map((p) => p.message).join('; ')} (run \`cpo state repair\`)`,
        ),
    v.ran
      ? checkedItem(
          'tests',
          'after',
          'tests run',
          v.passed ? 'ok' : 'failed',
          v.runs.map((r) => `${r.name} exit ${r.exitCode}`).join(', '),
        )
      : checkedItem('tests', 'after', 'tests run', 'skipped', v.why),
    i.ran
      ? checkedItem(
          'dependencies',
          'after',
          'dependencies reinstalled',
          i.ok ? 'ok' : 'failed',
          `${i.command} exit ${i.exitCode}`,
        )
      : checkedItem(
          'dependencies',
          'after',
          'dependencies reinstalled',
          i.why === '--no-install' ? 'skipped' : 'ok',
          i.why,
        ),
    database,
  ]
}

/** The state check's git reads for a state file's text, begun before the file is on disk. */
export interface StartedStateFacts {
  text: string
  /** Undefined when they failed: the check then reads again. */
  facts: Promise<GitFacts | undefined>
}

/**
 * Starts the state check's git reads for `text`, the state file a rollback writes, once HEAD is
 * the rollback's commit and before its files are written: with the state given they read only
 * refs and history, which the file writes do not change, so they run beside the writes
 * (ARCHITECTURE.md §35). The check takes them when the file on disk holds exactly `text`.
 */
export function startStateFacts(
  repo: Repo,
  text: string,
  ahead: WalkAhead | undefined,
): StartedStateFacts {
  const read = async () => {
    await loadProjectSchemaFor(text) // zod only for a text the plain checks refuse
    const project = parseProjectDocument(text, statePaths(repo).project).data
    return readStateFacts(repo, project, ahead)
  }
  return { text, facts: read().catch(() => undefined) }
}

/**
 * The walk of `base`'s history, begun at the plan, when the state check of `project` (the state
 * file the rollback writes) will read the branch walk and the rollback's commits go on `base`
 * (ARCHITECTURE.md §37). `checkpoints`: the plan's list, which holds every checkpoint tag.
 */
export function stateWalkAhead(
  repo: Repo,
  project: ProjectFile,
  checkpoints: readonly Checkpoint[],
  base: string,
): WalkAhead | undefined {
  const tagged = new Set(checkpoints.flatMap((c) => (c.ref === null ? [] : [c.name])))
  return stateCheckWalks(project, tagged) ? walkAhead(repo, base) : undefined
}

async function stateCheck(
  repo: Repo,
  started: StartedStateFacts | undefined,
  ahead: WalkAhead | undefined,
) {
  const doc = await readProjectDocument(repo)
  if (doc === undefined) return []
  const early =
    started !== undefined && doc.source === started.text ? await started.facts : undefined
  return stateProblems(doc.data, early ?? (await readStateFacts(repo, doc.data, ahead)))
}

/** `cpo db status` after the rollback: reachable, and its migrations are the tree's. */
async function databaseItem(repo: Repo): Promise<ChecklistItem> {
  const o = await databaseOutcome(repo).catch((e: Error) => ({
    status: 'error' as const,
    evidence: e.message,
  }))
  const status = o.status === 'pass' ? 'ok' : o.status === 'skip' ? 'skipped' : 'failed'
  return checkedItem('database', 'after', 'database state matches the code', status, o.evidence)
}
