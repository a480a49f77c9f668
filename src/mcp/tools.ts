import * as z from 'zod'
import type { GlobalOptions } from '../cli/options.js'
import type { CommandOutput } from '../cli/output.js'
import { cpoCommand } from '../core/shell-quote.js'

/**
 * The MCP tools: each calls the same command function the CLI calls (src/cli/commands/), so the
 * server has no logic of its own and its data is the `--json` data. A command added later is
 * one entry here.
 */
export interface ToolSpec {
  name: string
  description: string
  input: z.ZodRawShape
  /**
   * Two-step tools: called without `confirm` they return the plan and a `planId`; called again
   * with `confirm: true` and that `planId` they run it. `dry-run` plans come from the command's
   * own --dry-run; `describe` plans say which command will run.
   */
  twoStep?: 'dry-run' | 'describe'
  /** Sends progress notifications (start, each step the command reports, end) while it runs. */
  long?: boolean
  run(
    g: GlobalOptions,
    args: Args,
    dryRun: boolean,
    progress?: (message: string) => void,
  ): Promise<CommandOutput>
}

// biome-ignore lint/suspicious/noExplicitAny: arguments are checked by each tool's zod schema first
type Args = Record<string, any>

const cli = {
  status: () => import('../cli/commands/status.js'),
  timeline: () => import('../cli/commands/timeline.js'),
  checkpoint: () => import('../cli/commands/checkpoint.js'),
  stage: () => import('../cli/commands/stage.js'),
  rollback: () => import('../cli/commands/rollback.js'),
  undo: () => import('../cli/commands/undo.js'),
  recover: () => import('../cli/commands/recover.js'),
  backup: () => import('../cli/commands/backup.js'),
  log: () => import('../cli/commands/log.js'),
  snapshot: () => import('../cli/commands/snapshot.js'),
  story: () => import('../cli/commands/story.js'),
  diagnose: () => import('../cli/commands/diagnose.js'),
  bisect: () => import('../cli/commands/bisect.js'),
  check: () => import('../cli/commands/check.js'),
  state: () => import('../cli/commands/state.js'),
  db: () => import('../cli/commands/db.js'),
  deploy: () => import('../cli/commands/deploy.js'),
  deployPin: () => import('../cli/commands/deploy-pin.js'),
  env: () => import('../cli/commands/env.js'),
}

const stageId = z
  .string()
  .describe('a stage id or number as master-project.json names it: S3, 3, S5.1, "Stage 2.1"')
const reason = z.string().min(1).describe('why (recorded in the commit, the journal and the log)')
const store = z
  .string()
  .optional()
  .describe('backup store: a directory or s3://bucket/prefix (default: $CPO_BACKUP_STORE)')
const rollbackFlags = {
  reason,
  mode: z
    .enum(['reset', 'revert'])
    .optional()
    .describe('reset moves the branch; revert adds a commit'),
  install: z.boolean().optional().describe('false: do not run the package manager afterwards'),
  verify: z.boolean().optional().describe('run the verification commands afterwards'),
  withDb: z
    .boolean()
    .optional()
    .describe(
      "also restore the database to the target's database checkpoint (undo puts it back too)",
    ),
}
const dbUrl = z
  .string()
  .optional()
  .describe('the database URL (default: DATABASE_URL from the environment or .env files)')
const optional = <T>(key: string, value: T | undefined) =>
  value === undefined ? {} : { [key]: value }
const dry = (d: boolean) => (d ? { dryRun: true } : {})
const storeOpt = (a: Args) => (a.store === undefined ? {} : { store: a.store as string })

export const TOOLS: ToolSpec[] = [
  {
    name: 'status',
    description:
      'Project, phase and stages from master-project.json, the branch, uncommitted files, operations still running or interrupted (then call `recover`) and the lock holder. Read-only; call it first.',
    input: {},
    run: async (g) => (await cli.status()).run(g),
  },
  {
    name: 'timeline',
    description: 'Phases, stages and deploys with their checkpoints, oldest first. Read-only.',
    input: {},
    run: async (g) => (await cli.timeline()).run(g, {}),
  },
  {
    name: 'checkpoint_list',
    description:
      'Checkpoint tags and checkpoints inferred from commit messages, oldest first: the points a rollback can return to. Read-only.',
    input: { tagsOnly: z.boolean().optional().describe('leave out inferred checkpoints') },
    run: async (g, a) => (await cli.checkpoint()).list(g, a.tagsOnly ? { tagsOnly: true } : {}),
  },
  {
    name: 'checkpoint_show',
    description: "One checkpoint's metadata, sidecars and the files changed since. Read-only.",
    input: { name: z.string().describe('checkpoint name, e.g. stage-3-start') },
    run: async (g, a) => (await cli.checkpoint()).show(g, a.name),
  },
  {
    name: 'checkpoint_create',
    description:
      'Commit pending work (if any) and tag it checkpoint/<name>: a point to come back to before something risky. Undo with `undo`.',
    input: {
      name: z.string().describe('letters, digits, "-", "_", "." and "/"'),
      message: z.string().optional(),
    },
    run: async (g, a, d) =>
      (await cli.checkpoint()).create(g, a.name, {
        ...(a.message === undefined ? {} : { message: a.message }),
        ...dry(d),
      }),
  },
  {
    name: 'checkpoint_delete',
    description: 'Delete a checkpoint tag (journaled; `undo` brings it back). Two-step.',
    input: { name: z.string() },
    twoStep: 'dry-run',
    run: async (g, a, d) => (await cli.checkpoint()).remove(g, a.name, dry(d)),
  },
  {
    name: 'stage_start',
    description:
      'Checkpoint (tag stage-N-start), then mark a stage in progress. Without `stage`: the next stage whose dependencies are done.',
    input: {
      stage: stageId.optional(),
      force: z.boolean().optional().describe('start although dependencies are not done'),
    },
    run: async (g, a) => (await cli.stage()).start(g, a.stage, a.force ? { force: true } : {}),
  },
  {
    name: 'stage_complete',
    description:
      "Run the project's verification commands; when they pass, mark the stage tested, commit and tag stage-N-complete. A failure returns VERIFICATION_FAILED with the failing command's exit code and output in error.details, and changes nothing.",
    input: {
      stage: stageId,
      skipVerify: z.boolean().optional(),
      force: z.boolean().optional().describe('complete a stage that is not in progress'),
    },
    long: true,
    run: async (g, a) =>
      (await cli.stage()).complete(g, a.stage, {
        ...(a.skipVerify ? { skipVerify: true } : {}),
        ...(a.force ? { force: true } : {}),
      }),
  },
  {
    name: 'rollback_stage',
    description:
      "Go back to a stage's start checkpoint (default: the current stage). Uncommitted work is kept in a snapshot; `undo` reverses it. Two-step: the first call returns the plan (files, commits discarded, state changes) and a planId.",
    input: { stage: stageId.optional(), ...rollbackFlags },
    twoStep: 'dry-run',
    long: true,
    run: async (g, a, d) =>
      (await cli.rollback()).stage(g, a.stage, { ...rollbackArgs(a), ...dry(d) }),
  },
  {
    name: 'rollback_phase',
    description:
      'Go back to checkpoint/phase-N-complete (default: the phase before the current). Two-step.',
    input: { phase: z.string().optional().describe('1 to 5'), ...rollbackFlags },
    twoStep: 'dry-run',
    long: true,
    run: async (g, a, d) =>
      (await cli.rollback()).phase(g, a.phase, { ...rollbackArgs(a), ...dry(d) }),
  },
  {
    name: 'rollback_project',
    description:
      'Go back to phase-2-complete (the plan), else project-initialized, else the first commit. Two-step.',
    input: rollbackFlags,
    twoStep: 'dry-run',
    long: true,
    run: async (g, a, d) => (await cli.rollback()).project(g, { ...rollbackArgs(a), ...dry(d) }),
  },
  {
    name: 'rollback_story',
    description:
      "Revert one story's commits (newest first) and mark it not passing in master-project.json and prd.json. Two-step.",
    input: {
      id: z.string().describe('story id: S1-US-001 or US-001'),
      reason,
      install: rollbackFlags.install,
      verify: rollbackFlags.verify,
    },
    twoStep: 'dry-run',
    run: async (g, a, d) =>
      (await cli.rollback()).story(g, a.id, { ...rollbackArgs(a), ...dry(d) }),
  },
  {
    name: 'undo',
    description:
      'Restore the state before an operation (default: the last one) as a new operation; undoing an undo redoes. Two-step.',
    input: {
      op: z.string().optional().describe('operation id from `log`'),
      reason: z.string().optional(),
    },
    twoStep: 'describe',
    run: async (g, a) =>
      (await cli.undo()).run(g, a.op, a.reason === undefined ? {} : { reason: a.reason }),
  },
  {
    name: 'recover',
    description:
      'Roll an interrupted operation (status shows it) back to the state before it. Two-step.',
    input: {},
    twoStep: 'describe',
    run: async (g) => (await cli.recover()).run(g),
  },
  {
    name: 'log',
    description: 'Operations, newest first, with their ids (for `undo`). Read-only.',
    input: { limit: z.number().int().min(1).optional() },
    run: async (g, a) => (await cli.log()).run(g, a.limit === undefined ? {} : { limit: a.limit }),
  },
  {
    name: 'snapshot',
    description:
      'Capture the work tree, index, HEAD and branch exactly (changes nothing) and return its id.',
    input: { message: z.string().optional() },
    run: async (g, a) =>
      (await cli.snapshot()).create(g, a.message === undefined ? {} : { message: a.message }),
  },
  {
    name: 'snapshot_list',
    description: 'Snapshots, newest first. Read-only.',
    input: {},
    run: async (g) => (await cli.snapshot()).list(g),
  },
  {
    name: 'snapshot_restore',
    description:
      'Restore a snapshot (whole state, or only `paths`); the current state is kept in a new snapshot. Two-step.',
    input: { id: z.string(), paths: z.array(z.string()).optional(), reason: z.string().optional() },
    twoStep: 'describe',
    run: async (g, a) =>
      (await cli.snapshot()).restore(g, a.id, {
        ...(a.paths === undefined ? {} : { paths: a.paths }),
        ...(a.reason === undefined ? {} : { reason: a.reason }),
      }),
  },
  {
    name: 'backup_create',
    description: 'Bundle every ref, the state files and .checkpoints/ into a verifiable archive.',
    input: { store, tag: z.array(z.string()).optional(), pin: z.boolean().optional() },
    long: true,
    run: async (g, a) =>
      (await cli.backup()).create(g, {
        ...storeOpt(a),
        ...(a.tag === undefined ? {} : { tag: a.tag }),
        ...(a.pin ? { pin: true } : {}),
      }),
  },
  {
    name: 'backup_list',
    description: 'Backups in the store, newest first (incomplete ones flagged). Read-only.',
    input: { store },
    run: async (g, a) => (await cli.backup()).list(g, storeOpt(a)),
  },
  {
    name: 'backup_verify',
    description: 'Check a backup against its manifest (deep: also test-restore it). Read-only.',
    input: { backup: z.string(), store, deep: z.boolean().optional() },
    long: true,
    run: async (g, a) =>
      (await cli.backup()).verify(g, a.backup, {
        ...storeOpt(a),
        ...(a.deep ? { deep: true } : {}),
      }),
  },
  {
    name: 'backup_restore',
    description:
      'Restore a backup into a new, empty directory (never into an existing repository).',
    input: { backup: z.string(), dir: z.string().describe('a new or empty directory'), store },
    long: true,
    run: async (g, a) =>
      (await import('../cli/commands/restore.js')).run(g, a.backup, a.dir, storeOpt(a)),
  },
  {
    name: 'rollback_to',
    description:
      'Go back to any checkpoint by name (see checkpoint_list: stage-3-start, prod-v2, a name you created). A name that does not exist is answered with the near names. Two-step.',
    input: { name: z.string().describe('checkpoint name without checkpoint/'), ...rollbackFlags },
    twoStep: 'dry-run',
    long: true,
    run: async (g, a, d) => (await cli.rollback()).to(g, a.name, { ...rollbackArgs(a), ...dry(d) }),
  },
  {
    name: 'rollback_deploy',
    description:
      'Put the previous production deployment back (or `to`: a deployment id or prod-vK checkpoint), then check the healthUrl. Call it first when production answers 5xx; `undo` promotes the one before again. Two-step.',
    input: {
      to: z.string().optional().describe('deployment id or prod-vK (default: the previous one)'),
      reason,
      timeout: z.number().int().min(1).optional().describe('seconds to wait for the platform'),
    },
    twoStep: 'dry-run',
    long: true,
    run: async (g, a, d) =>
      (await cli.deploy()).rollback(g, {
        ...optional('to', a.to as string | undefined),
        reason: a.reason as string,
        ...optional('timeout', a.timeout === undefined ? undefined : String(a.timeout)),
        ...dry(d),
      }),
  },
  {
    name: 'stage_skip',
    description:
      'Mark a stage skipped in master-project.json (stages depending on it may start); edits the work tree only, nothing is committed; `undo` takes it back.',
    input: {
      stage: stageId,
      reason: z.string().optional(),
      force: z.boolean().optional().describe('skip a stage that is done or has passing stories'),
    },
    run: async (g, a) =>
      (await cli.stage()).skip(g, a.stage, {
        ...optional('reason', a.reason as string | undefined),
        ...(a.force ? { force: true } : {}),
      }),
  },
  {
    name: 'story_pass',
    description:
      'Mark a story passing in master-project.json and prd.json (work tree only; `undo` takes it back).',
    input: {
      id: z.string().describe('story id: S1-US-001 or US-001'),
      reason: z.string().optional(),
    },
    run: async (g, a) =>
      (await cli.story()).pass(g, a.id, optional('reason', a.reason as string | undefined)),
  },
  {
    name: 'story_fail',
    description:
      'Mark a story not passing and count an attempt (work tree only; `undo` takes it back). After several failed attempts, `diagnose` suggests a stage rollback.',
    input: {
      id: z.string().describe('story id: S1-US-001 or US-001'),
      reason: z.string().optional(),
    },
    run: async (g, a) =>
      (await cli.story()).fail(g, a.id, optional('reason', a.reason as string | undefined)),
  },
  {
    name: 'phase_complete',
    description:
      'Commit pending work with the next phase and tag checkpoint/phase-N-complete (1 to 5); a database checkpoint is taken too unless db is false.',
    input: {
      phase: z.string().describe('1 to 5'),
      force: z.boolean().optional().describe('complete a phase ahead of the current one'),
      db: z.boolean().optional().describe('false: do not checkpoint the database'),
    },
    run: async (g, a, d) =>
      (await cli.stage()).phase(g, a.phase, {
        ...(a.force ? { force: true } : {}),
        ...(a.db === false ? { db: false } : {}),
        ...dry(d),
      }),
  },
  {
    name: 'redo',
    description:
      'Put back what the last `undo` took back (a new operation; `undo` takes it back again). Two-step.',
    input: { reason: z.string().optional() },
    twoStep: 'dry-run',
    run: async (g, a, d) =>
      (await cli.undo()).redo(g, {
        ...optional('reason', a.reason as string | undefined),
        ...dry(d),
      }),
  },
  {
    name: 'diagnose',
    description:
      'Run the checks side by side (verification commands, state against git, plan drift, database, deployment health), compare failures with the stage checkpoints, and return the symptom, its evidence and `next: {command, why}`: the one command to run next. Read-only (it caches runs under .git/cpo).',
    input: {
      symptom: z
        .string()
        .optional()
        .describe('a symptom the checks cannot see: performance, replan, scope-drift, …'),
      timeout: z.number().int().min(1).optional().describe('seconds each check may take'),
    },
    long: true,
    run: async (g, a, _d, progress) =>
      (await cli.diagnose()).run(g, {
        ...optional('progress', progress),
        ...optional('symptom', a.symptom as string | undefined),
        ...optional('timeout', a.timeout === undefined ? undefined : String(a.timeout)),
      }),
  },
  {
    name: 'bisect',
    description:
      "Find the first stage checkpoint and then the first story commit at which a command fails, in a temporary work tree (the repository is not touched). Without `command`: the verification that failed last in `stage_complete` or `diagnose`. Returns stage, story, commit, files and the command's output there.",
    input: {
      command: z.string().optional().describe('the failing test command, e.g. "npm test"'),
      from: z.string().optional().describe('a checkpoint where it passes'),
      to: z.string().optional().describe('a checkpoint where it fails (default: HEAD)'),
    },
    long: true,
    run: async (g, a, _d, progress) =>
      (await cli.bisect()).run(g, {
        ...optional('progress', progress),
        ...optional('command', a.command as string | undefined),
        ...optional('from', a.from as string | undefined),
        ...optional('to', a.to as string | undefined),
      }),
  },
  {
    name: 'check',
    description:
      'The after-rollback checks on demand: master-project.json against git, dependencies against the lockfile, the database against the code. ok:false (exit 4) lists each problem and the repair command (`state_repair`). Read-only.',
    input: {},
    run: async (g) => (await cli.check()).run(g),
  },
  {
    name: 'state_repair',
    description:
      'Make master-project.json agree with git after a manual reset (stages without their checkpoints back to pending, stories whose commits are gone not passing), journaled; `undo` takes it back. Two-step.',
    input: {},
    twoStep: 'dry-run',
    run: async (g, _a, d) => (await cli.state()).repair(g, dry(d)),
  },
  {
    name: 'db_status',
    description:
      'Which database the project uses (engine, ORM, URL redacted, where each was found), whether it is reachable, and the migration truth: applied in the database against present in the tree (applied-but-missing after a code-only rollback, with the fix). Read-only.',
    input: { dbUrl },
    run: async (g, a) =>
      (await cli.db()).status(g, optional('dbUrl', a.dbUrl as string | undefined)),
  },
  {
    name: 'db_list',
    description: 'Database checkpoints (from their metadata; no server needed). Read-only.',
    input: {},
    run: async (g) => (await cli.db()).list(g),
  },
  {
    name: 'db_checkpoint',
    description:
      'Copy the live database as a database checkpoint (default name: a time stamp); `db_restore` brings it back.',
    input: { name: z.string().optional(), dbUrl },
    long: true,
    run: async (g, a, d) =>
      (await cli.db()).checkpoint(g, a.name, {
        ...optional('dbUrl', a.dbUrl as string | undefined),
        ...dry(d),
      }),
  },
  {
    name: 'db_restore',
    description:
      'Restore the live database from a database checkpoint; the live one is kept beside it, so `undo` swaps back. Two-step: the plan says which rows and tables are replaced.',
    input: {
      name: z.string().describe('database checkpoint, e.g. stage-2-start (see db_list)'),
      dbUrl,
      remote: z.boolean().optional().describe('allow a database on a server that is not local'),
      reason: z.string().optional(),
    },
    twoStep: 'dry-run',
    long: true,
    run: async (g, a, d) =>
      (await cli.db()).restore(g, a.name, {
        ...optional('dbUrl', a.dbUrl as string | undefined),
        ...(a.remote ? { remote: true } : {}),
        ...optional('reason', a.reason as string | undefined),
        ...dry(d),
      }),
  },
  {
    name: 'deploy_status',
    description:
      'The hosting platform, where its configuration came from, and the deployment serving production now. Read-only.',
    input: {},
    long: true,
    run: async (g) => (await cli.deploy()).status(g),
  },
  {
    name: 'deploy_list',
    description:
      'Production deployments newest first: id, time, commit, state, whether it serves, whether it can be a rollback target, its prod-vK checkpoint. Read-only.',
    input: { limit: z.number().int().min(1).optional() },
    long: true,
    run: async (g, a) =>
      (await cli.deploy()).list(
        g,
        optional('limit', a.limit === undefined ? undefined : String(a.limit)),
      ),
  },
  {
    name: 'deploy_commit',
    description:
      'Keep a pinned rollback (DigitalOcean): unpin the app so deploys run again, serving what serves now. Other platforms answer NOT_SUPPORTED.',
    input: {},
    long: true,
    run: async (g) => (await cli.deployPin()).commit(g),
  },
  {
    name: 'deploy_revert',
    description:
      'Undo a pinned rollback on the platform (DigitalOcean): it deploys what served before the pin, then checks the healthUrl; journaled, `undo` rolls back again. Two-step.',
    input: {
      timeout: z.number().int().min(1).optional().describe('seconds to wait for the platform'),
    },
    twoStep: 'describe',
    long: true,
    run: async (g, a) =>
      (await cli.deployPin()).revert(
        g,
        optional('timeout', a.timeout === undefined ? undefined : String(a.timeout)),
      ),
  },
  // Env tools answer with names only: no value reaches their output (README.md, "Env vars").
  {
    name: 'env_backup',
    description:
      "Back up the platform's environment variables (or, with `local`, the .env* files): names, metadata and a redacted template; values only with `encrypt` (to `recipients` or $CPO_ENV_PASSPHRASE). Returns the backup file.",
    input: {
      platform: z.string().optional().describe('the platform (default: the configured one)'),
      local: z.boolean().optional().describe('the local .env* files instead of a platform'),
      to: z.string().optional().describe('where to write it (default: .git/cpo/env/backups/)'),
      encrypt: z.boolean().optional().describe('keep the values, encrypted'),
      recipients: z.array(z.string()).optional().describe('age recipients (age1…)'),
    },
    long: true,
    run: async (g, a) =>
      (await cli.env()).backup(g, {
        ...optional('platform', a.platform as string | undefined),
        ...(a.local ? { local: true } : {}),
        ...optional('to', a.to as string | undefined),
        ...(a.encrypt ? { encrypt: true } : {}),
        ...optional('recipient', a.recipients as string[] | undefined),
      }),
  },
  {
    name: 'env_diff',
    description:
      'What restoring an env backup would change: added, changed, extra and unchanged names (values are compared when the backup is encrypted and the key is in the environment, never shown). Read-only.',
    input: {
      file: z.string().describe('a file written by env_backup'),
      identity: z.string().optional().describe('an age identity file for the backup'),
    },
    long: true,
    run: async (g, a) =>
      (await cli.env()).diff(g, a.file, optional('identity', a.identity as string | undefined)),
  },
  {
    name: 'env_restore',
    description:
      "Write an encrypted env backup's values back to the platform (or, with `local`, the .env* files, 0600); what it replaces is kept encrypted, so `undo` puts it back. Two-step: the plan lists the names it writes.",
    input: {
      file: z.string().describe('a file written by env_backup with encrypt'),
      local: z.boolean().optional().describe('the backup is of local .env files'),
      prune: z.boolean().optional().describe('also remove what the backup does not have'),
      identity: z.string().optional().describe('an age identity file for the backup'),
    },
    twoStep: 'dry-run',
    long: true,
    run: async (g, a, d) =>
      (await cli.env()).restore(g, a.file, {
        ...(a.local ? { local: true } : {}),
        ...(a.prune ? { prune: true } : {}),
        ...optional('identity', a.identity as string | undefined),
        ...dry(d),
      }),
  },
]

function rollbackArgs(a: Args) {
  return {
    reason: a.reason as string,
    ...(a.mode === undefined ? {} : { mode: a.mode as string }),
    ...(a.install === false ? { install: false } : {}),
    ...(a.verify ? { verify: true } : {}),
    ...(a.withDb ? { withDb: true } : {}),
  }
}

/** What a `describe` plan says: the command that will run, as the CLI would print it. */
export function describedCommand(tool: ToolSpec, a: Args): string {
  switch (tool.name) {
    case 'undo':
      return cpoCommand('undo', ...(a.op ? [a.op] : []))
    case 'recover':
      return cpoCommand('recover')
    case 'snapshot_restore':
      return cpoCommand('snapshot', 'restore', a.id, ...(a.paths ? ['--paths', ...a.paths] : []))
    default:
      return cpoCommand(...tool.name.split('_'))
  }
}
