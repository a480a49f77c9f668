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
  /** Sends progress notifications (start and end) while it runs. */
  long?: boolean
  run(g: GlobalOptions, args: Args, dryRun: boolean): Promise<CommandOutput>
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
}
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
    input: { id: z.string().describe('story id: S1-US-001 or US-001'), reason },
    twoStep: 'dry-run',
    run: async (g, a, d) => (await cli.rollback()).story(g, a.id, { reason: a.reason, ...dry(d) }),
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
]

function rollbackArgs(a: Args) {
  return {
    reason: a.reason as string,
    ...(a.mode === undefined ? {} : { mode: a.mode as string }),
    ...(a.install === false ? { install: false } : {}),
    ...(a.verify ? { verify: true } : {}),
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
