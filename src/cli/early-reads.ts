import { realpathSync } from 'node:fs'
import path from 'node:path'
import { BRANCH_LOG_READ, CHECKPOINT_TAG_READ } from '../adapters/checkpoint-git.js'
import { startEarlyGit } from '../adapters/git-spawn.js'
import { REPO_READ } from '../adapters/repo.js'

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

/** The flags `checkpoint list` can be given, besides the valued global options. */
const LIST_FLAGS = new Set(['--json', '-y', '--yes', '--tags-only'])

/**
 * Starts the git reads a command begins with when its arguments alone say which they are, so
 * they run while the command's modules load (ARCHITECTURE.md §34). Only reads, and only for a
 * command line made of words this knows: a read started and not asked for changes nothing. The
 * reads run in the directory the command will use, as git names the work tree's top (its real
 * path); a command started elsewhere (a subdirectory) reads again.
 */
export function startEarlyReads(argv: readonly string[]): void {
  let cwd: string | undefined
  const words: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string
    if (word === '-C' || word === '--cwd') cwd = argv[++i]
    else if (word === '--project-file') i++
    else if (word === '--wait') {
      if (!(argv[i + 1] ?? '-').startsWith('-')) i++
    } else if (LIST_FLAGS.has(word)) continue
    else if (word.startsWith('-')) return
    else words.push(word)
  }
  if (words.join(' ') !== 'checkpoint list') return
  let dir: string
  try {
    dir = realpathSync(path.resolve(cwd ?? '.'))
  } catch {
    return // no such directory: the command reports it
  }
  // openRepo asks in the directory as given (globalOptions: -C, else the current one).
  startEarlyGit(cwd ?? process.cwd(), REPO_READ)
  startEarlyGit(dir, CHECKPOINT_TAG_READ)
  if (!argv.includes('--tags-only')) startEarlyGit(dir, BRANCH_LOG_READ)
}
