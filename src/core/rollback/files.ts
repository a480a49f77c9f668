/** Files of one stage's agent loop (ARCHITECTURE.md §6); set aside when their stage is reset. */
export function isLoopFile(file: string): boolean {
  return (
    ['prd.json', 'progress.md', 'progress.txt', 'progress-summary.md', '.last-branch'].includes(
      file,
    ) || /^tasks\/prd-[^/]*\.md$/.test(file)
  )
}

/** A loop file at the top or beside a nested state file (`dir` is `apps/web/`, or `''`). */
export const isLoopFileIn = (file: string, dir: string): boolean =>
  isLoopFile(file) || (dir !== '' && file.startsWith(dir) && isLoopFile(file.slice(dir.length)))

export const MIGRATION_DIRS = ['prisma/migrations/', 'drizzle/'] as const

export const isMigration = (file: string): boolean =>
  MIGRATION_DIRS.some((d) => file.startsWith(d) || file === d.slice(0, -1))

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun'

const LOCKFILES: Record<string, PackageManager> = {
  'package-lock.json': 'npm',
  'npm-shrinkwrap.json': 'npm',
  'pnpm-lock.yaml': 'pnpm',
  'yarn.lock': 'yarn',
  'bun.lockb': 'bun',
  'bun.lock': 'bun',
}

export const isLockfile = (file: string): boolean => Object.hasOwn(LOCKFILES, file)

/** The package manager of a top-level lockfile among `files` (the first found). */
export function packageManagerOf(files: readonly string[]): PackageManager | undefined {
  for (const f of files) if (isLockfile(f)) return LOCKFILES[f]
  return undefined
}

/**
 * The install that makes `node_modules` match the lockfile again. Fixed argument lists: nothing
 * from the repository or the user is spliced in.
 */
export function installCommand(pm: PackageManager): { command: string; args: string[] } {
  switch (pm) {
    case 'npm':
      return { command: 'npm', args: ['ci'] }
    case 'pnpm':
      return { command: 'pnpm', args: ['install', '--frozen-lockfile'] }
    case 'yarn':
      return { command: 'yarn', args: ['install', '--frozen-lockfile'] }
    case 'bun':
      return { command: 'bun', args: ['install', '--frozen-lockfile'] }
  }
}

/**
 * The install that makes `node_modules` match a tree whose top-level files are `files` (the
 * rollback's target): its lockfile's frozen install; `npm install` for a package.json without a
 * lockfile (`npm ci` refuses to run without one); nothing without a package.json.
 */
export function installFor(
  files: readonly string[],
): { packageManager: PackageManager; command: string; args: string[] } | undefined {
  const pm = packageManagerOf(files)
  if (pm !== undefined) return { packageManager: pm, ...installCommand(pm) }
  if (files.includes('package.json'))
    return { packageManager: 'npm', command: 'npm', args: ['install'] }
  return undefined
}

/** What a rollback does about dependencies (README.md, "Checklists": reinstalled when lockfiles changed). */
export interface DependencyPlan {
  /** A lockfile differs (or package.json does, when the target has no lockfile). */
  differ: boolean
  lockfiles: string[]
  packageManager: string | null
  /** The install that runs afterwards, chosen from the target's files; null: none. */
  install: string | null
}

/** From the paths a rollback changes and the top-level names of the tree it ends at. */
export function dependencyPlan(
  filesChanged: readonly string[],
  targetFiles: readonly string[],
): DependencyPlan {
  const lockfiles = filesChanged.filter(isLockfile)
  const install = installFor(targetFiles)
  const manifestChanged = filesChanged.includes('package.json') && !targetFiles.some(isLockfile)
  return {
    differ: lockfiles.length > 0 || manifestChanged,
    lockfiles,
    packageManager: install?.packageManager ?? null,
    install: install === undefined ? null : [install.command, ...install.args].join(' '),
  }
}
