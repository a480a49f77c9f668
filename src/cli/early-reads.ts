import { realpathSync } from 'node:fs'
import path from 'node:path'
import { BRANCH_LOG_READ } from '../adapters/checkpoint-git.js'
import { CHECKPOINT_TAG_READ } from '../adapters/checkpoint-tags.js'
import { startEarlyGit } from '../adapters/git-spawn.js'
import { REPO_READ } from '../adapters/repo.js'
import { STATUS_READ } from '../adapters/snapshot/status.js'

/** Global options that take a value (`--wait` takes one when the next word is no option). */
const VALUED = new Set(['-C', '--cwd', '--project-file'])

/** A command line's words and flags in order, global options' values left out; `-C`'s kept. */
function tokens(argv: readonly string[]): {
  tokens: Array<{ flag: boolean; text: string; at: number }>
  cwd: string | undefined
} {
  const out: Array<{ flag: boolean; text: string; at: number }> = []
  let cwd: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const text = argv[i] as string
    if (VALUED.has(text)) {
      if (text !== '--project-file') cwd = argv[i + 1]
      i++
    } else if (text === '--wait') {
      // An optional value: commander takes the next word when it is not an option.
      if (!(argv[i + 1] ?? '-').startsWith('-')) i++
    } else out.push({ flag: text.startsWith('-'), text, at: i })
  }
  return { tokens: out, cwd }
}

/**
 * Where the command word of a command line is: the first word that is no global option or its
 * value; undefined for help and for `--` before any command word. Shared by the early reads and
 * by the CLI's choice of what to wire (branchOf in main.ts).
 */
export function commandWordAt(argv: readonly string[]): number | undefined {
  for (const t of tokens(argv).tokens) {
    if (t.text === '--help' || t.text === '-h' || t.text === '--') return undefined
    if (!t.flag) return t.at
  }
  return undefined
}

/** Flags any command can be given that change no read. */
const GLOBAL_FLAGS = new Set(['--json', '-y', '--yes'])

/**
 * The commands whose first reads are known from their command line: their own flags, and the
 * reads in the directory as given (`-C`, else the current one: where `openRepo` and `cpo status`'s
 * scan ask) and in its real path (what git names the work tree's top: where the reads of an
 * opened repository ask).
 */
const COMMANDS = new Map<
  string,
  {
    flags: string[]
    given: (argv: readonly string[]) => string[][]
    top: (argv: readonly string[]) => string[][]
  }
>([
  [
    'checkpoint list',
    {
      flags: ['--tags-only'],
      given: () => [REPO_READ],
      top: (argv) =>
        argv.includes('--tags-only')
          ? [CHECKPOINT_TAG_READ]
          : [CHECKPOINT_TAG_READ, BRANCH_LOG_READ],
    },
  ],
  // `timeline` draws from the same list (with `--width <columns>` it reads as usual).
  [
    'timeline',
    { flags: [], given: () => [REPO_READ], top: () => [CHECKPOINT_TAG_READ, BRANCH_LOG_READ] },
  ],
  ['status', { flags: [], given: () => [STATUS_READ, REPO_READ], top: () => [] }],
])

/**
 * Starts the git reads a command begins with when its arguments alone say which they are, so
 * they run while the command's modules load (ARCHITECTURE.md §34). Only reads, and only for a
 * command line made of words this knows: a read started and not asked for changes nothing. A
 * command started in a subdirectory reads its repository's reads again.
 */
export function startEarlyReads(argv: readonly string[]): void {
  const line = tokens(argv)
  const command = COMMANDS.get(
    line.tokens
      .filter((t) => !t.flag)
      .map((t) => t.text)
      .join(' '),
  )
  const known = (f: string) => GLOBAL_FLAGS.has(f) || command?.flags.includes(f) === true
  if (command === undefined || !line.tokens.every((t) => !t.flag || known(t.text))) return
  let top: string
  try {
    top = realpathSync(path.resolve(line.cwd ?? '.'))
  } catch {
    return // no such directory: the command reports it
  }
  for (const args of command.given(argv)) startEarlyGit(line.cwd ?? process.cwd(), args)
  for (const args of command.top(argv)) startEarlyGit(top, args)
}
