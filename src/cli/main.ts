import { Command, CommanderError, Option } from 'commander'
import { CpoError } from '../errors.js'
import { VERSION } from '../version.js'
import { commandWordAt } from './early-reads.js'
import { addHelpFooters, commandAt, commandTree, commandWords, pathOf } from './help.js'
import { globalOptions, wholeNumber } from './options.js'
import {
  type CommandOutput,
  exitQuietlyWhenStdoutCloses,
  printError,
  printJson,
  printSuccess,
} from './output.js'

/**
 * Command wiring only. Each action imports its module when it runs, so `cpo --version` and
 * `cpo status` do not pay for code they never use.
 */
function act<A extends unknown[]>(load: () => Promise<(...args: A) => Promise<CommandOutput>>) {
  return async (...raw: unknown[]) => {
    const cmd = raw.at(-1) as Command
    const positional = raw.slice(0, -2)
    const own = cmd.opts()
    let json = cmd.optsWithGlobals().json === true
    try {
      const g = globalOptions(cmd)
      json = g.json
      const fn = await load()
      printSuccess(await fn(...([g, ...positional, own] as unknown as A)), json)
    } catch (e) {
      printError(e, json)
    }
  }
}

// `cpo mcp` loads the project schema before it serves: its tools' schemas need zod anyway. The
// other commands load it only for a state text the plain checks refuse (ARCHITECTURE.md §33).
const projectSchemaLoaded = async (): Promise<void> =>
  (await import('../core/project/document.js')).loadProjectSchema()

/** `cpo status`. */
function wireStatus(program: Command): void {
  program
    .command('status')
    .description('project, phase, stages, uncommitted files, pending recovery and lock holder')
    .action(act(async () => (await import('./commands/status.js')).run))
}

/** Snapshots and the journal: snapshot, log, undo, redo, recover. */
function wireHistory(program: Command): void {
  const snapshot = program
    .command('snapshot')
    .description('capture work tree, index, HEAD and branch (subcommands: list, restore)')
    .option('-m, --message <msg>', 'describe the snapshot')
    .action(act(async () => (await import('./commands/snapshot.js')).create))
  snapshot
    .command('list')
    .description('snapshots, newest first')
    .action(act(async () => (await import('./commands/snapshot.js')).list))
  snapshot
    .command('restore <id>')
    .description('restore a snapshot (whole state, or chosen paths with --paths)')
    .option('--paths <path...>', 'restore only these files or directories')
    .option('--reason <text>', 'why (recorded in the journal)')
    .option('--dry-run', 'print what would change, change nothing')
    .action(act(async () => (await import('./commands/snapshot.js')).restore))

  program
    .command('log')
    .description('operations, newest first')
    .option('-n, --limit <count>', 'show only the newest <count>', wholeNumber('-n, --limit', 1))
    .action(act(async () => (await import('./commands/log.js')).run))

  program
    .command('undo [op-id]')
    .description(
      'restore the state before an operation; with none named, each undo goes one operation further back',
    )
    .option('--reason <text>', 'why (recorded in the journal)')
    .option('--dry-run', 'print what would change, change nothing')
    .action(act(async () => (await import('./commands/undo.js')).run))

  program
    .command('redo')
    .description('put back the operation the last plain `cpo undo` took back')
    .option('--reason <text>', 'why (recorded in the journal)')
    .option('--dry-run', 'print what would change, change nothing')
    .action(act(async () => (await import('./commands/undo.js')).redo))

  program
    .command('recover')
    .description('roll an interrupted operation back to the state before it')
    .option('--dry-run', 'print what would change, change nothing')
    .action(act(async () => (await import('./commands/recover.js')).run))
}

/** Project archives: backup and restore. */
function wireBackup(program: Command): void {
  const storeHelp =
    'backup store: a directory or s3://bucket/prefix (default: $CPO_BACKUP_STORE, else XDG data dir)'
  const backup = program
    .command('backup')
    .description('project archives (subcommands: create, list, verify, prune, pin, unpin)')
  backup
    .command('create')
    .description('bundle every ref, state files, .checkpoints/ and the redacted env template')
    .option('--store <store>', storeHelp)
    .option('--tag <tag>', 'label it (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--compression <kind>', 'zstd (default when installed), gzip or none')
    .option('--pin', 'pin it at once (prune never removes it)')
    .option(
      '--with-db',
      "fill the db/ slot: the newest database checkpoint's copy, else a fresh dump",
    )
    .action(act(async () => (await import('./commands/backup.js')).create))
  backup
    .command('list')
    .description('backups, newest first (incomplete ones flagged)')
    .option('--store <store>', storeHelp)
    .action(act(async () => (await import('./commands/backup.js')).list))
  backup
    .command('verify <backup>')
    .description('check the archive, every entry and the bundle against the manifest')
    .option('--store <store>', storeHelp)
    .option('--deep', 'also restore into a temp directory and compare refs and files')
    .action(act(async () => (await import('./commands/backup.js')).verify))
  const keep = (flag: string, what: string) => [flag, what] as const
  const prune = backup
    .command('prune')
    .description('remove backups by a retention policy (pinned and newest verified kept)')
    .option('--store <store>', storeHelp)
    .option('--dry-run', 'print what would be kept and removed, and why; remove nothing')
  for (const [flag, what] of [
    keep('--keep-last <n>', 'keep the newest n backups'),
    keep('--keep-hourly <n>', 'keep the newest backup of each of the last n hours'),
    keep('--keep-daily <n>', 'keep the newest backup of each of the last n days'),
    keep('--keep-weekly <n>', 'keep the newest backup of each of the last n weeks'),
    keep('--keep-monthly <n>', 'keep the newest backup of each of the last n months'),
    keep('--keep-yearly <n>', 'keep the newest backup of each of the last n years'),
    keep('--keep-within-days <n>', 'keep every backup within n days of the newest'),
  ]) {
    prune.option(flag, what)
  }
  prune.action(act(async () => (await import('./commands/backup.js')).prune))
  backup
    .command('pin <backup>')
    .description('protect a backup from prune')
    .option('--store <store>', storeHelp)
    .action(act(async () => (await import('./commands/backup.js')).pin))
  backup
    .command('unpin <backup>')
    .description('let prune decide about a backup again')
    .option('--store <store>', storeHelp)
    .action(act(async () => (await import('./commands/backup.js')).unpin))

  program
    .command('restore [backup] [dir]')
    .description('restore a backup into a new directory, or --from-git <url|path> <dir>')
    .option('--store <store>', storeHelp)
    .option('--force', 'restore into a non-empty directory')
    .option(
      '--from-git <source>',
      "clone a remote and check out its default branch's tip (or --checkpoint)",
    )
    .option('--checkpoint <name>', 'with --from-git: check this checkpoint out on restored/<name>')
    .option('--dry-run', 'print what would be created, change nothing')
    .option('--db-url <url>', "also restore the backup's database into this new database")
    .action(act(async () => (await import('./commands/restore.js')).run))
}

/** `cpo init`. */
function wireInit(program: Command): void {
  program
    .command('init')
    .description('ignore .checkpoints/, tag checkpoint/project-initialized, report the project')
    .option('--git', 'in a folder that is not a repository: git init (main) and commit it first')
    .action(act(async () => (await import('./commands/init.js')).run))
}

/** Named checkpoints, their sidecars and their remote. */
function wireCheckpoint(program: Command): void {
  const checkpoint = program
    .command('checkpoint')
    .description('named points to return to (subcommands: create, list, show, diff, delete, …)')
  checkpoint
    .command('create <name>')
    .description('commit pending work (if any) and tag it checkpoint/<name>')
    .option('-m, --message <msg>', 'describe the checkpoint')
    .option('--dry-run', 'print the plan, change nothing')
    .action(act(async () => (await import('./commands/checkpoint.js')).create))
  checkpoint
    .command('list')
    .description('checkpoint tags and checkpoints inferred from commit messages, oldest first')
    .option('--tags-only', 'leave out inferred checkpoints')
    .action(act(async () => (await import('./commands/checkpoint.js')).list))
  checkpoint
    .command('show <name>')
    .description('a checkpoint: metadata, sidecars, files changed since')
    .action(act(async () => (await import('./commands/checkpoint.js')).show))
  checkpoint
    .command('sidecars [name...]')
    .description(
      "rebuild missing .checkpoints/ sidecars from each tag's commit (default: every stage/phase tag)",
    )
    .option('--dry-run', 'print what would be written, write nothing')
    .action(act(async () => (await import('./commands/checkpoint.js')).sidecars))
  checkpoint
    .command('diff <a> [b]')
    .description('files and line counts between two checkpoints, or from one to the work tree')
    .action(act(async () => (await import('./commands/checkpoint.js')).diff))
  checkpoint
    .command('delete <name>')
    .description('delete a checkpoint tag (journaled; `cpo undo` brings it back)')
    .option('--dry-run', 'print the plan, change nothing')
    .action(act(async () => (await import('./commands/checkpoint.js')).remove))
  checkpoint
    .command('push [remote]')
    .description('send checkpoint/* tags and refs/cpo/* to a remote (default origin; never forced)')
    .action(act(async () => (await import('./commands/checkpoint-sync.js')).push))
  checkpoint
    .command('pull [remote]')
    .description('fetch checkpoint/* tags and refs/cpo/* from a remote (journaled, undoable)')
    .action(act(async () => (await import('./commands/checkpoint-sync.js')).pull))
}

/** The workflow's marks: stage, story, phase. */
function wireWorkflow(program: Command): void {
  const stage = program
    .command('stage')
    .description('stage boundaries with automatic checkpoints (subcommands: start, complete, skip)')
  stage
    .command('start [stage]')
    .description('checkpoint, then mark a stage in progress (default: next stage ready to start)')
    .option('--force', 'start again a stage that is done or in progress (moves its start tag)')
    .option('--ignore-deps', 'start although the stages it depends on are not done')
    .option('--no-db', 'do not checkpoint the database')
    .option('--dry-run', 'print the plan, change nothing')
    .action(act(async () => (await import('./commands/stage.js')).start))
  stage
    .command('complete <stage>')
    .description('run verification, mark the stage tested, commit and tag stage-N-complete')
    .option('--skip-verify', 'do not run the verification commands')
    .option('--force', 'complete a stage that is not in progress')
    .option('--dry-run', 'print the plan, change nothing (verification not run)')
    .action(act(async () => (await import('./commands/stage.js')).complete))

  stage
    .command('skip <stage>')
    .description('mark a stage skipped (dependents may start); left uncommitted, undoable')
    .option('--reason <text>', 'why (required; recorded in the file, the journal and the log)')
    .option('--force', 'skip a stage that is in progress (its work stays)')
    .option('--dry-run', 'print the plan, change nothing')
    .action(act(async () => (await import('./commands/stage.js')).skip))

  const story = program
    .command('story')
    .description('mark stories in master-project.json and prd.json (subcommands: pass, fail)')
  for (const [verb, what] of [
    ['pass', 'mark a story passing (completedAt set); left uncommitted, undoable'],
    ['fail', 'mark a story not passing (completedAt cleared, attempts +1); undoable'],
  ] as const) {
    story
      .command(`${verb} <id>`)
      .description(what)
      .option('--reason <text>', 'a note for the progress log and the journal')
      .option('--dry-run', 'print the plan, change nothing')
      .action(act(async () => (await import('./commands/story.js'))[verb]))
  }

  program
    .command('phase')
    .description('phase boundaries (subcommand: complete)')
    .command('complete <phase>')
    .description(
      'tag checkpoint/phase-N-complete (1–5; pending work and the next phase committed first)',
    )
    .option('--force', 'complete a phase ahead of the current one, or phase 3 with stages open')
    .option('--dry-run', 'print the plan, change nothing')
    .option('--no-db', 'do not checkpoint the database')
    .action(act(async () => (await import('./commands/stage.js')).phase))
}

/** `cpo timeline`. */
function wireTimeline(program: Command): void {
  program
    .command('timeline')
    .description('phases, stages and deploys with their checkpoints')
    .option(
      '--width <columns>',
      'draw for this many columns (default: the terminal, else 100)',
      wholeNumber('--width', 20),
    )
    .action(act(async () => (await import('./commands/timeline.js')).run))
}

/** Rollbacks of every scope, the production deployment included. */
function wireRollback(program: Command): void {
  const rollback = program
    .command('rollback')
    .description('go back to a stage, phase or project checkpoint, or revert a story (undoable)')
  const rollbackFlags = (c: Command, revertOnly = false) => {
    c.option('--reason <text>', 'why (required; recorded in the commit, journal and log)')
      .option('--dry-run', 'print the whole plan, change nothing')
      .option('--no-install', 'do not run the package manager when the lockfile changed')
      .option('--verify', 'run the verification commands afterwards and report')
      .option('--backup', 'write a full backup (cpo backup create) before anything changes')
      .option('--notify <webhook>', 'POST a JSON message about the rollback to this URL first')
    if (revertOnly) return c
    return c
      .option('--mode <mode>', 'reset (move the branch) or revert (add a commit)')
      .option('--with-db', "restore the database to the target checkpoint's copy too (undoable)")
      .option('--no-db', 'leave the database alone (no copy of it before the rollback)')
      .option('--remote', 'with --with-db: allow a server that is not local')
      .option('--terminate-connections', 'with --with-db: end other sessions the swap needs gone')
      .option('--db-url <url>', 'the database (default: DATABASE_URL, .env files, ORM config)')
  }
  rollbackFlags(
    rollback
      .command('stage [stage]')
      .description('back to checkpoint/stage-N-start (default: the current stage)'),
  ).action(act(async () => (await import('./commands/rollback.js')).stage))
  rollbackFlags(
    rollback
      .command('phase [phase]')
      .description('back to checkpoint/phase-N-complete (default: the phase before the current)'),
  ).action(act(async () => (await import('./commands/rollback.js')).phase))
  rollbackFlags(
    rollback
      .command('project')
      .description('back to phase-2-complete, else project-initialized, else the first commit'),
  ).action(act(async () => (await import('./commands/rollback.js')).project))
  rollbackFlags(
    rollback
      .command('to <checkpoint>')
      .description('back to any checkpoint, tagged or inferred (see `cpo checkpoint list`)'),
  ).action(act(async () => (await import('./commands/rollback.js')).to))
  rollbackFlags(
    rollback
      .command('story <id>')
      .description("revert a story's commits (newest first) and mark it not passing"),
    true,
  ).action(act(async () => (await import('./commands/rollback.js')).story))

  // Deployments: production rollback on the configured platform (README.md, "Deployments").
  const deployCmd = async () => import('./commands/deploy.js')
  rollback
    .command('deploy')
    .description('make an earlier production deployment serve (journaled; `cpo undo` reverts)')
    .option('--to <id|prod-vK>', 'the deployment (default: the newest earlier candidate)')
    .option('--reason <text>', 'why (required; recorded in the journal)')
    .option('--dry-run', 'print the plan, change nothing')
    .option('--lock', 'Netlify: lock the restored deploy against auto-publishing')
    .option('--timeout <seconds>', 'stop following the platform job after this long (default 180)')
    .action(act(async () => (await deployCmd()).rollback))
}

/** The agent interface: schemas, the MCP server, the CPO skill's quick commands, completion. */
function wireAgent(program: Command): void {
  program
    .command('schema [name...]')
    .description("JSON Schema of master-project.json, prd.json or a command's --json output")
    .action(act(async () => (await import('./commands/schema.js')).run))
  program
    .command('mcp')
    .description('serve the Model Context Protocol over stdio (one repository: -C <dir>)')
    .action(async (_o: unknown, cmd: Command) => {
      try {
        const schema = projectSchemaLoaded()
        const mcp = await import('./commands/mcp.js')
        await schema
        await mcp.run(globalOptions(cmd))
      } catch (e) {
        printError(e, false) // stdout belongs to the protocol
      }
    })
  program
    .command('skill')
    .description("print the CPO skill's Quick Commands block and the .mcp.json entry")
    .option('--install <dir>', 'write them into a skill folder')
    .option('--force', 'overwrite files already there')
    .action(act(async () => (await import('./commands/skill.js')).run))
  program
    .command('completion <shell>')
    .description('shell completion script: bash, zsh or fish')
    .action(act(async () => (await import('./commands/completion.js')).script))
}

/** Diagnose, bisect, check and state repair (README.md, "Diagnose and decide"). */
function wireDiagnose(program: Command): void {
  // Diagnose, bisect, check and state repair (README.md, "Diagnose and decide").
  program
    .command('diagnose')
    .description('run the checks side by side, classify the symptom, recommend one command')
    .option('--symptom <kind>', 'what you see: replan, performance, 5xx, database, drift, …')
    .option('--timeout <seconds>', 'per check (default 600)')
    .action(act(async () => (await import('./commands/diagnose.js')).run))
  program
    .command('bisect')
    .description('the stage checkpoint, then the story commit, at which a command starts failing')
    .option('--command <cmd>', 'the command to test (default: the last failing verification)')
    .option('--from <checkpoint>', 'a checkpoint where it passes (default: the oldest)')
    .option('--to <checkpoint>', 'a checkpoint where it fails (default: HEAD)')
    .action(act(async () => (await import('./commands/bisect.js')).run))
  program
    .command('check')
    .description('does master-project.json agree with git? exit 4 with each problem when not')
    .action(act(async () => (await import('./commands/check.js')).run))
  program
    .command('state')
    .description('the state file (subcommand: repair)')
    .command('repair')
    .description('set stage statuses, stories and currentStage to what git shows (undoable)')
    .option('--dry-run', 'print the changes, change nothing')
    .action(act(async () => (await import('./commands/state.js')).repair))
}

/** Database checkpoints and restores. */
function wireDb(program: Command): void {
  const db = program
    .command('db')
    .description(
      'database checkpoints, restores and migration truth (subcommands: status, checkpoint, …)',
    )
  const dbUrl = (c: Command) =>
    c.option('--db-url <url>', 'the database (default: DATABASE_URL, .env files, ORM config)')
  dbUrl(db.command('status'))
    .description('engine, ORM, URL (password masked), tools and applied vs. tree migrations')
    .action(act(async () => (await import('./commands/db.js')).status))
  dbUrl(db.command('checkpoint [name]'))
    .description('copy the live database with its schema and applied migrations (journaled)')
    .option('--strategy <kind>', 'auto (default), template or dump (PostgreSQL), file (SQLite)')
    .option('--terminate-connections', 'end other sessions a template copy needs gone')
    .option('--dry-run', 'print the plan, change nothing')
    .action(act(async () => (await import('./commands/db.js')).checkpoint))
  dbUrl(db.command('restore <checkpoint>'))
    .description("make the live database the checkpoint's (built beside it, swapped; undoable)")
    .option('--remote', 'allow restoring a server that is not local')
    .option('--terminate-connections', 'end other sessions the swap needs gone')
    .option('--reason <text>', 'why (recorded in the journal)')
    .option('--dry-run', 'print the plan (and the rows a remote restore replaces), change nothing')
    .action(act(async () => (await import('./commands/db.js')).restore))
  db.command('list')
    .description('database checkpoints, oldest first (no server needed)')
    .action(act(async () => (await import('./commands/db.js')).list))
  const dbPrune = db
    .command('prune')
    .description('remove database checkpoint copies by keep rules (as backup prune)')
    .option('--dry-run', 'print what would be kept and removed; remove nothing')
  for (const [flag, what] of [
    ['--keep-last <n>', 'keep the newest n'],
    ['--keep-hourly <n>', 'keep the newest of each of the last n hours'],
    ['--keep-daily <n>', 'keep the newest of each of the last n days'],
    ['--keep-weekly <n>', 'keep the newest of each of the last n weeks'],
    ['--keep-monthly <n>', 'keep the newest of each of the last n months'],
    ['--keep-yearly <n>', 'keep the newest of each of the last n years'],
    ['--keep-within-days <n>', 'keep every one within n days of the newest'],
  ] as const) {
    dbPrune.option(flag, what)
  }
  dbPrune.action(act(async () => (await import('./commands/db.js')).prune))
  dbUrl(db.command('diff <a> [b]'))
    .description('schema differences between two database checkpoints, or one and live (default)')
    .action(act(async () => (await import('./commands/db.js')).diff))
  dbUrl(db.command('down-sql <checkpoint>'))
    .description("SQL taking live's schema back to the checkpoint's, rows kept (PostgreSQL)")
    .option('--apply', 'run it in one transaction (journaled; undo restores a dump taken first)')
    .option('--remote', 'with --apply: allow a server that is not local')
    .option('--reason <text>', 'why (recorded in the journal)')
    .option('--dry-run', 'with --apply: print the plan, change nothing')
    .action(act(async () => (await import('./commands/db-down-sql.js')).downSql))
}

/** Deployments (README.md, "Deployments"). */
function wireDeploy(program: Command): void {
  const deployCmd = async () => import('./commands/deploy.js')
  const deploy = program
    .command('deploy')
    .description(
      'production deployments (subcommands: list, status, record, promote, commit, revert, local)',
    )
  deploy
    .command('list')
    .description('production deployments, newest first: state, current, rollback candidate')
    .option('-n, --limit <count>', 'at most <count> (default 20)')
    .action(act(async () => (await deployCmd()).list))
  deploy
    .command('status')
    .description('the platform, where its config came from, what serves now')
    .action(act(async () => (await deployCmd()).status))
  deploy
    .command('record')
    .description('tag checkpoint/prod-vK on the deployed commit (default: what serves now)')
    .option('--id <deployment>', 'the deployment to record')
    .action(act(async () => (await deployCmd()).record))
  deploy
    .command('promote <id>')
    .description('make a deployment serve production (journaled; `cpo undo` reverts)')
    .option('--reason <text>', 'why (recorded in the journal)')
    .option('--timeout <seconds>', 'stop following the platform job after this long (default 180)')
    .action(act(async () => (await deployCmd()).promote))
  deploy
    .command('local')
    .description('the built-in local platform (subcommand: publish)')
    .command('publish <build-dir>')
    .description('copy a build folder into a new release, point current at it, record it')
    .action(act(async () => (await deployCmd()).publish))
  // Pinned rollbacks (DigitalOcean): keep or undo them.
  const pinCmd = async () => import('./commands/deploy-pin.js')
  deploy
    .command('commit')
    .description('keep a pinned rollback and unpin the app (DigitalOcean)')
    .action(act(async () => (await pinCmd()).commit))
  deploy
    .command('revert')
    .description('undo a pinned rollback on the platform (DigitalOcean; journaled)')
    .option('--timeout <seconds>', 'stop following the platform job after this long (default 180)')
    .action(act(async () => (await pinCmd()).revert))
}

/** Env vars: backup, diff and restore (README.md, "Env vars"). */
function wireEnv(program: Command): void {
  // Env vars: backup, diff and restore (README.md, "Env vars").
  const envCmd = async () => import('./commands/env.js')
  const envGroup = program
    .command('env')
    .description('environment variables on the platform and in local .env files')
  envGroup
    .command('backup')
    .description(
      'every variable with its metadata and a redacted template (values only with --encrypt)',
    )
    .option('--platform <name>', 'the platform (default: the configured one)')
    .option('--local', 'the local .env* files instead of a platform')
    .option('--to <file>', 'where to write it (default: .git/cpo/env/backups/)')
    .option('--encrypt', 'keep the values, encrypted to --recipient or CPO_ENV_PASSPHRASE')
    .option(
      '--recipient <age1…>',
      'an age recipient (repeatable)',
      (v: string, a: string[] = []) => [...a, v],
    )
    .action(act(async () => (await envCmd()).backup))
  envGroup
    .command('diff <file>')
    .description('what restoring the backup would change (names only)')
    .option('--identity <file>', 'an age identity file for a backup encrypted to recipients')
    .action(act(async () => (await envCmd()).diff))
  envGroup
    .command('restore <file>')
    .description("write the backup's values back (journaled; `cpo undo` reverts)")
    .option('--dry-run', 'print the difference, change nothing')
    .option('--prune', 'also remove variables (or .env files) the backup does not have')
    .option('--local', 'the backup is of local .env files')
    .option('--identity <file>', 'an age identity file for a backup encrypted to recipients')
    .action(act(async () => (await envCmd()).restore))
}

/** Each top-level command and the function that wires it; the whole tree in help's order. */
const WIRES: Record<string, (program: Command) => void> = {
  status: wireStatus,
  snapshot: wireHistory,
  log: wireHistory,
  undo: wireHistory,
  redo: wireHistory,
  recover: wireHistory,
  backup: wireBackup,
  restore: wireBackup,
  init: wireInit,
  checkpoint: wireCheckpoint,
  stage: wireWorkflow,
  story: wireWorkflow,
  phase: wireWorkflow,
  timeline: wireTimeline,
  rollback: wireRollback,
  schema: wireAgent,
  mcp: wireAgent,
  skill: wireAgent,
  completion: wireAgent,
  diagnose: wireDiagnose,
  bisect: wireDiagnose,
  check: wireDiagnose,
  state: wireDiagnose,
  db: wireDb,
  deploy: wireDeploy,
  env: wireEnv,
}
const ALL_WIRES = [...new Set(Object.values(WIRES))]

/**
 * The one top-level command a run needs wired, or undefined for the whole tree: help (in every
 * form), completion, no command at all and a word that names no command (commander's "did you
 * mean" needs every name). Building ~100 commands is a good part of a fast command's start-up.
 */
export function branchOf(argv: readonly string[]): string | undefined {
  const at = commandWordAt(argv)
  const word = at === undefined ? undefined : argv[at]
  if (at === undefined || word === undefined || !Object.hasOwn(WIRES, word)) return undefined
  return argv.slice(at + 1).some((w) => w === '--help' || w === '-h') ? undefined : word
}

/**
 * `json` silences commander's own usage text (the error envelope carries it instead). Exit
 * handling and output are set before any subcommand exists, because subcommands copy these
 * settings when they are created. `only` wires one top-level command (see `branchOf`).
 */
export function buildProgram(
  json = false,
  only?: string,
  writeErr: (s: string) => void = (s) => process.stderr.write(s),
): Command {
  const program = new Command('cpo')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => {
        if (!json) writeErr(s)
      },
    })
    .description('checkpoints, rollbacks and recovery for stage-by-stage projects')
    .version(VERSION, '-V, --version')
    .option(
      '--json',
      'print one JSON document on stdout ({"ok":true,"data":…} or {"ok":false,"error":…})',
    )
    .option('-C, --cwd <dir>', 'run as if started in <dir>')
    .option('-y, --yes', 'confirm destructive steps without asking')
    .addOption(
      new Option('--wait [seconds]', 'wait for the repository lock (default: fail at once)'),
    )
    .option(
      '--project-file <path>',
      'the state file when it is not ./master-project.json at the repository root (monorepos)',
    )
    .showHelpAfterError()

  const one = only === undefined ? undefined : WIRES[only]
  for (const wire of one ? [one] : ALL_WIRES) wire(program)
  addHelpFooters(program)
  return program
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyWhenStdoutCloses()
  const json = argv.includes('--json')
  const only = branchOf(argv)
  if (only === undefined) {
    await run(buildProgram(json), argv, json)
    return
  }
  // Commander's usage text after an error shows the help of the command that failed, the whole
  // program's for a bad global option: held back, and on such an error the whole tree answers.
  const held: string[] = []
  const outcome = await run(
    buildProgram(json, only, (s) => held.push(s)),
    argv,
    json,
    true,
  )
  if (outcome === 'usage-error') await run(buildProgram(json), argv, json)
  else if (held.length > 0) process.stderr.write(held.join(''))
}

/**
 * Parses and runs. With `deferUsage`, a usage error commander raised (always before any action
 * ran) is returned unreported, for the caller to run again with the whole tree.
 */
async function run(
  program: Command,
  argv: string[],
  json: boolean,
  deferUsage = false,
): Promise<'usage-error' | undefined> {
  if (argv[0] === '__complete') {
    const { candidates } = await import('./commands/completion.js')
    for (const c of await candidates(program, argv.slice(1), process.cwd())) {
      process.stdout.write(`${c}\n`)
    }
    return
  }
  const unknown = unknownHelpTopic(program, argv)
  if (unknown) {
    printError(unknown, json)
    return
  }
  if (json && printMeta(program, argv)) return
  const args = nestedHelp(program, argv) ?? argv
  try {
    await program.parseAsync(args, { from: 'user' })
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return // --help, --version
      if (deferUsage) return 'usage-error'
      const words = ['cpo', ...pathOf(commandAt(program, args)), '--help'].join(' ')
      const usage = new CpoError('USAGE', 'usage', e.message.replace(/^error: /, ''), {
        hint: `See the arguments and options with \`${words}\`.`,
      })
      printError(usage, json)
      return
    }
    printError(e, json)
  }
}

/**
 * `cpo help <words>` naming no command is a usage error. Commander printed the whole help on
 * stderr and failed with "(outputHelp)" (or, one level down, printed the group's help), and
 * `--json` printed the whole tree as if it had been asked for.
 */
function unknownHelpTopic(program: Command, argv: readonly string[]): CpoError | undefined {
  const words = commandWords(argv)
  if (words[0] !== 'help') return undefined
  const topic = words.slice(1)
  const found = pathOf(commandAt(program, topic))
  if (found.length === topic.length) return undefined
  const within = ['cpo', ...found].join(' ')
  return new CpoError('USAGE', 'usage', `no command "${['cpo', ...topic].join(' ')}"`, {
    hint: `See the commands with \`${within} --help\`.`,
    details: { known: commandAt(program, topic).commands.map((c) => c.name()) },
  })
}

/**
 * `cpo help rollback deploy` as `cpo rollback deploy --help`: commander's help command looks up
 * only its first word, so it printed `rollback`'s help. Undefined when commander's own answer is
 * right (no help word, or it names a top-level command or nothing known).
 */
function nestedHelp(program: Command, argv: readonly string[]): string[] | undefined {
  const words = commandWords(argv)
  if (words[0] !== 'help') return undefined
  const at = argv.indexOf('help')
  const rest = argv.slice(at + 1)
  if (pathOf(commandAt(program, rest)).length < 2) return undefined
  return [...argv.slice(0, at), ...rest, '--help']
}

/**
 * With --json, help and version are data too: `--version` prints `{"version"}`, and `--help`,
 * `help <cmd>`, no command or a command group without its subcommand print the command tree.
 */
function printMeta(program: Command, argv: string[]): boolean {
  if (argv.includes('--version') || argv.includes('-V')) {
    printJson({ ok: true, data: { version: VERSION } })
    return true
  }
  const words = commandWords(argv)
  const helpWord = words[0] === 'help'
  const target = commandAt(program, helpWord ? argv.slice(argv.indexOf('help') + 1) : argv)
  // commander keeps no public flag for "has an action"; a group without one only prints help.
  const runnable = (target as unknown as { _actionHandler: unknown })._actionHandler != null
  const group = !runnable && words.length === pathOf(target).length
  if (helpWord || argv.includes('--help') || argv.includes('-h') || group) {
    printJson({ ok: true, data: commandTree(target) })
    return true
  }
  return false
}
