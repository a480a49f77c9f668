import { realpathSync } from 'node:fs'
import path from 'node:path'
import { BRANCH_LOG_READ, CHECKPOINT_TAG_READ } from '../adapters/checkpoint-git.js'
import { startEarlyGit } from '../adapters/git-spawn.js'
import { REPO_READ } from '../adapters/repo.js'
import { STATUS_READ } from '../adapters/snapshot/status.js'

/** Global options that take a value (`--wait` takes one when the next word is no option). */
const VALUED = new Set(['-C', '--cwd', '--project-file'])

/**
 * Where the command word of a command line is: the first word that is no global option or its
 * value; undefined for help and for `--` before any command word. Shared by the early reads and
 * by the CLI's choice of what to wire (branchOf in main.ts).
 */
export function commandWordAt(argv: readonly string[]): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? ''
    if (word === '--help' || word === '-h' || word === '--') return undefined
    if (VALUED.has(word)) i++
    else if (word === '--wait') {
      // An optional value: commander takes the next word when it is not an option.
      if (!(argv[i + 1] ?? '-').startsWith('-')) i++
    } else if (!word.startsWith('-')) return i
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
const COMMANDS: Record<
  string,
  {
    flags: string[]
    given: (argv: readonly string[]) => string[][]
    top: (argv: readonly string[]) => string[][]
  }
> = {
  'checkpoint list': {
    flags: ['--tags-only'],
    given: () => [REPO_READ],
    top: (argv) =>
      argv.includes('--tags-only') ? [CHECKPOINT_TAG_READ] : [CHECKPOINT_TAG_READ, BRANCH_LOG_READ],
  },
  status: { flags: [], given: () => [STATUS_READ, REPO_READ], top: () => [] },
}

/**
 * Starts the git reads a command begins with when its arguments alone say which they are, so
 * they run while the command's modules load (ARCHITECTURE.md §34). Only reads, and only for a
 * command line made of words this knows: a read started and not asked for changes nothing. A
 * command started in a subdirectory reads its repository's reads again.
 */
export function startEarlyReads(argv: readonly string[]): void {
  let cwd: string | undefined
  const words: string[] = []
  const flags: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string
    if (word === '-C' || word === '--cwd') cwd = argv[++i]
    else if (word === '--project-file') i++
    else if (word === '--wait') {
      if (!(argv[i + 1] ?? '-').startsWith('-')) i++
    } else if (word.startsWith('-')) flags.push(word)
    else words.push(word)
  }
  const command = COMMANDS[words.join(' ')]
  if (
    command === undefined ||
    flags.some((f) => !GLOBAL_FLAGS.has(f) && !command.flags.includes(f))
  ) {
    return
  }
  let top: string
  try {
    top = realpathSync(path.resolve(cwd ?? '.'))
  } catch {
    return // no such directory: the command reports it
  }
  for (const args of command.given(argv)) startEarlyGit(cwd ?? process.cwd(), args)
  for (const args of command.top(argv)) startEarlyGit(top, args)
}
