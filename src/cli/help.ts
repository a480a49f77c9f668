import type { Command } from 'commander'

/** One example per command, by its path; a command added later adds one line here. */
const EXAMPLES: Record<string, string> = {
  status: 'cpo status --json',
  snapshot: 'cpo snapshot -m "before the refactor"',
  'snapshot list': 'cpo snapshot list',
  'snapshot restore': 'cpo snapshot restore 20261125-170024-123-3fa2 --paths src/app.ts',
  log: 'cpo log -n 10',
  undo: 'cpo undo',
  recover: 'cpo recover',
  backup: 'cpo backup create',
  'backup create': 'cpo backup create --tag before-release',
  'backup list': 'cpo backup list',
  'backup verify': 'cpo backup verify 20261125-170024 --deep',
  'backup prune': 'cpo backup prune --keep-daily 7 --keep-weekly 4 --dry-run',
  'backup pin': 'cpo backup pin 20261125-170024',
  'backup unpin': 'cpo backup unpin 20261125-170024',
  restore: 'cpo restore 20261125-170024 ../shop-restored',
  init: 'cpo init',
  checkpoint: 'cpo checkpoint list',
  'checkpoint create': 'cpo checkpoint create before-refactor -m "auth works"',
  'checkpoint list': 'cpo checkpoint list --tags-only',
  'checkpoint show': 'cpo checkpoint show stage-3-start',
  'checkpoint sidecars': 'cpo checkpoint sidecars --dry-run',
  'checkpoint diff': 'cpo checkpoint diff stage-2-complete stage-3-complete',
  'checkpoint delete': 'cpo checkpoint delete before-refactor --dry-run',
  'checkpoint push': 'cpo checkpoint push origin',
  'checkpoint pull': 'cpo checkpoint pull origin',
  stage: 'cpo stage start S3',
  'stage start': 'cpo stage start "Stage 2.1"',
  'stage complete': 'cpo stage complete S3',
  phase: 'cpo phase complete 2',
  'phase complete': 'cpo phase complete 2',
  timeline: 'cpo timeline --width 120',
  rollback: 'cpo rollback stage 3 --reason "auth broke the build" --dry-run',
  'rollback stage': 'cpo rollback stage S3 --reason "auth broke the build" --dry-run',
  'rollback phase': 'cpo rollback phase 2 --reason "start execution over"',
  'rollback project': 'cpo rollback project --reason "new plan" --dry-run',
  'rollback story': 'cpo rollback story S3-US-002 --reason "wrong approach"',
  schema: 'cpo schema master-project',
  mcp: 'cpo mcp -C ~/code/shop',
  skill: 'cpo skill --install ~/.claude/skills/cpo',
  completion: 'cpo completion bash >> ~/.bashrc',
}

const STAGE_IDS = 'Stage ids: S3, 3, S5.1, "Stage 2.1" (quote ids with spaces).'

const EXIT_CODES = [
  'Exit codes: 0 ok · 1 internal error · 2 usage · 3 not found · 4 conflict',
  '            5 invalid input (e.g. a damaged master-project.json) · 6 an external command failed',
].join('\n')

/** The words of a command below the program: `['rollback', 'stage']`. */
export function pathOf(cmd: Command): string[] {
  const words: string[] = []
  for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name())
  return words
}

const takesStage = (cmd: Command) =>
  cmd.registeredArguments.some((a) => a.name() === 'stage') || pathOf(cmd)[0] === 'stage'

/** Every subcommand's --help shows the global options, stage-id forms, exit codes and an example. */
export function addHelpFooters(program: Command): void {
  const visit = (cmd: Command) => {
    cmd.configureHelp({ showGlobalOptions: true })
    for (const sub of cmd.commands) {
      const example = EXAMPLES[pathOf(sub).join(' ')]
      sub.addHelpText('after', () =>
        [
          '',
          ...(takesStage(sub) ? [STAGE_IDS] : []),
          EXIT_CODES,
          ...(example ? [`Example: ${example}`] : []),
        ].join('\n'),
      )
      visit(sub)
    }
  }
  visit(program)
  program.addHelpText('after', `\n${STAGE_IDS}\n${EXIT_CODES}`)
}

/** The words that are not options (the value of -C/--cwd skipped too). */
export function commandWords(argv: readonly string[]): string[] {
  const words: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? ''
    if (word === '-C' || word === '--cwd') i++
    else if (!word.startsWith('-')) words.push(word)
  }
  return words
}

/** The deepest command the words name. */
export function commandAt(program: Command, argv: readonly string[]): Command {
  let cmd = program
  for (const word of commandWords(argv)) {
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word))
    if (!sub) break
    cmd = sub
  }
  return cmd
}

export interface CommandInfo {
  name: string
  path: string
  description: string
  usage: string
  arguments: Array<{ name: string; required: boolean; variadic: boolean; description: string }>
  options: Array<{
    flags: string
    name: string
    description: string
    takesValue: boolean
    valueRequired: boolean
    variadic: boolean
  }>
  example: string | null
  commands: CommandInfo[]
}

/** The command tree as data: what `cpo --json` and `cpo <cmd> --help --json` print. */
export function commandTree(cmd: Command): CommandInfo {
  const path = pathOf(cmd)
  return {
    name: cmd.name(),
    path: ['cpo', ...path].join(' '),
    description: cmd.description(),
    usage: `${['cpo', ...path].join(' ')} ${cmd.usage()}`.trim(),
    arguments: cmd.registeredArguments.map((a) => ({
      name: a.name(),
      required: a.required,
      variadic: a.variadic,
      description: a.description,
    })),
    options: cmd.options.map((o) => ({
      flags: o.flags,
      name: o.attributeName(),
      description: o.description,
      takesValue: o.required || o.optional,
      valueRequired: o.required,
      variadic: o.variadic,
    })),
    example: EXAMPLES[path.join(' ')] ?? null,
    commands: cmd.commands.map(commandTree),
  }
}
