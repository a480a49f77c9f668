import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { openRepo, type Repo } from '../adapters/repo.js'
import { CpoError } from '../errors.js'
import { CONFIG_FILE, readConfigFile } from './config-file.js'

/** Named here, not imported: the project module (and its validator) loads later, beside git. */
const DEFAULT_PROJECT_FILE_NAME = 'master-project.json'

export interface ProjectFileOption {
  /** `--project-file`: the state file, relative to `cwd` (the `-C` directory). */
  projectFile?: string | undefined
}

/**
 * The repository containing `cwd`, with the state file found where `--project-file` or
 * `cpo.config.json`'s `projectFile` puts it (ARCHITECTURE.md, "Monorepos"). The flag wins.
 * Either must name an existing file inside the work tree: a typo would otherwise make every
 * command act as if the project had no state at all.
 */
export async function openProjectRepo(cwd: string, options: ProjectFileOption = {}): Promise<Repo> {
  const repo = await openRepo(cwd)
  if (options.projectFile !== undefined) {
    return located(repo, path.resolve(cwd, options.projectFile), options.projectFile, 'flag')
  }
  const config = await readConfigFile(repo.root)
  if (config.projectFile === undefined) return repo
  return located(repo, path.resolve(repo.root, config.projectFile), config.projectFile, 'config')
}

async function located(
  repo: Repo,
  abs: string,
  given: string,
  from: 'flag' | 'config',
): Promise<Repo> {
  const source = from === 'flag' ? `--project-file ${given}` : `${CONFIG_FILE} projectFile ${given}`
  const fix =
    from === 'flag'
      ? `Pass the path of the project's ${DEFAULT_PROJECT_FILE_NAME} inside the repository, relative to the current directory or -C <dir> (e.g. cpo --project-file apps/web/${DEFAULT_PROJECT_FILE_NAME} status).`
      : `Set "projectFile" in ${path.join(repo.root, CONFIG_FILE)} to a path relative to the repository root (e.g. "apps/web/${DEFAULT_PROJECT_FILE_NAME}").`
  // The root git reports has its symlinks resolved; so must the file's folder be to compare them.
  const dir = await fsp.realpath(path.dirname(abs)).catch(() => undefined)
  const real = dir === undefined ? abs : path.join(dir, path.basename(abs))
  const rel = path.relative(repo.root, real)
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new CpoError(
      'PROJECT_FILE_OUTSIDE_REPO',
      'usage',
      `${source}: ${real} is outside the repository at ${repo.root}`,
      { hint: fix, details: { projectFile: real, root: repo.root } },
    )
  }
  const parts = rel.split(path.sep)
  if (parts[0] === '.git') {
    throw new CpoError('PROJECT_FILE_OUTSIDE_REPO', 'usage', `${source}: ${rel} is inside .git`, {
      hint: fix,
    })
  }
  const st = dir === undefined ? undefined : await fsp.stat(real).catch(() => undefined)
  if (!st?.isFile()) {
    throw new CpoError('PROJECT_FILE_NOT_FOUND', 'notFound', `${source}: no file at ${real}`, {
      hint: fix,
      details: { projectFile: parts.join('/') },
    })
  }
  const projectFile = parts.join('/')
  return projectFile === DEFAULT_PROJECT_FILE_NAME ? repo : { ...repo, projectFile }
}
