import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { CpoError } from '../errors.js'
import { git } from './git.js'

export interface Repo {
  /** Top of the work tree. */
  root: string
  /** The repository's git directory (per work tree). */
  gitDir: string
  /** The directory linked work trees share with the main one (objects, refs, info/exclude). */
  commonDir: string
  /** Where cpo keeps its journal, lock and scratch files; survives every reset and clean. */
  cpoDir: string
  /**
   * The state file, relative to `root` with `/` separators, when it is not `master-project.json`
   * at the top (a monorepo's `apps/web/master-project.json`). Set by `openProjectRepo`
   * (`src/ops/open-repo.ts`) from `--project-file` or `cpo.config.json`.
   */
  projectFile?: string
}

export const DEFAULT_STATE_FILE = 'master-project.json'

/** The workflow's files cpo reads and writes, relative to the repository root. */
export interface StatePaths {
  /** The folder they sit in: `''` at the top, else `apps/web/`. */
  dir: string
  /** `master-project.json` (or the name `projectFile` gives it). */
  project: string
  /** `cpo-progress.md`, beside the state file. */
  progress: string
  /** The stage loop's `prd.json`, beside the state file. */
  prd: string
}

/**
 * Where the state files are: every command that names one asks here, so a monorepo's nested
 * state file is followed everywhere (ARCHITECTURE.md, "Monorepos").
 */
export function statePaths(repo: Pick<Repo, 'projectFile'>): StatePaths {
  const project = repo.projectFile ?? DEFAULT_STATE_FILE
  const slash = project.lastIndexOf('/')
  const dir = slash < 0 ? '' : project.slice(0, slash + 1)
  return { dir, project, progress: `${dir}cpo-progress.md`, prd: `${dir}prd.json` }
}

/** The absolute path of a repository-relative path (`statePaths` gives `/`-separated ones). */
export const inRepo = (repo: Pick<Repo, 'root'>, rel: string): string =>
  path.join(repo.root, ...rel.split('/'))

/** How `openRepo` asks git where the repository is (also started early: early-reads.ts). */
export const REPO_READ = ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir']

/** Finds the repository that contains `cwd`; errors clearly when there is none. */
export async function openRepo(cwd: string): Promise<Repo> {
  try {
    const st = await fsp.stat(cwd)
    if (!st.isDirectory()) throw new Error('not a directory')
  } catch {
    throw new CpoError('DIRECTORY_NOT_FOUND', 'notFound', `directory not found: ${cwd}`, {
      hint: 'Pass an existing directory with -C <dir>.',
    })
  }
  const { stdout } = await git(cwd, REPO_READ)
  const [root, gitDir, commonDir] = stdout.split('\n')
  if (!root || !gitDir || !commonDir) {
    throw new CpoError('NOT_A_WORK_TREE', 'notFound', `no work tree at ${cwd} (bare repository?)`, {
      hint: 'Run cpo inside a checked-out work tree.',
    })
  }
  // --git-common-dir prints a path relative to where git ran, unless it is absolute already.
  return { root, gitDir, commonDir: path.resolve(cwd, commonDir), cpoDir: path.join(gitDir, 'cpo') }
}

export async function ensureCpoDir(repo: Repo): Promise<void> {
  await fsp.mkdir(path.join(repo.cpoDir, 'tmp'), { recursive: true })
}

/** Operations git itself has in progress; a snapshot taken in the middle of one would be partial. */
export async function gitOperationInProgress(repo: Repo): Promise<string | undefined> {
  const markers: Array<[string, string]> = [
    ['MERGE_HEAD', 'a merge'],
    ['rebase-merge', 'a rebase'],
    ['rebase-apply', 'a rebase or am'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick'],
    ['REVERT_HEAD', 'a revert'],
  ]
  const found = await Promise.all(
    markers.map(async ([file, what]) => {
      try {
        await fsp.lstat(path.join(repo.gitDir, file))
        return what
      } catch {
        return undefined
      }
    }),
  )
  return found.find((f) => f !== undefined)
}
