import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs, { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { git } from './git.js'
import type { Repo } from './repo.js'

/**
 * Temporary detached work trees, where diagnose and bisect run commands at other commits: never
 * the user's tree, index or refs (README.md, "cpo bisect"). Each one is registered under
 * `.git/cpo/worktrees/` before git creates it, so one left behind by a killed process (SIGKILL
 * runs no handler) is found and removed by the next diagnose, bisect or `cpo recover`.
 */
export interface TempWorktree {
  id: string
  path: string
  remove(): Promise<void>
  /** For signal handlers, where nothing asynchronous runs any more. */
  removeSync(): void
}

interface Registration {
  id: string
  path: string
  pid: number
  purpose: string
  startedAt: string
}

const registryDir = (repo: Repo): string => path.join(repo.cpoDir, 'worktrees')

const LOCKFILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'bun.lockb',
  'bun.lock',
]

export async function addTempWorktree(
  repo: Repo,
  commit: string,
  purpose: string,
): Promise<TempWorktree> {
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
  const dir = path.join(await fsp.realpath(os.tmpdir()), `cpo-wt-${id}`)
  const record: Registration = {
    id,
    path: dir,
    pid: process.pid,
    purpose,
    startedAt: new Date().toISOString(),
  }
  await fsp.mkdir(registryDir(repo), { recursive: true })
  await fsp.writeFile(path.join(registryDir(repo), `${id}.json`), `${JSON.stringify(record)}\n`)
  try {
    await addWorktree(repo, dir, commit)
  } catch (e) {
    await removeRegistered(repo, record)
    throw e
  }
  let removed: Promise<void> | undefined
  return {
    id,
    path: dir,
    remove: () => {
      removed ??= removeRegistered(repo, record)
      return removed
    },
    removeSync: () => removeRegisteredSync(repo, record),
  }
}

/**
 * `git worktree add`, one at a time: while one is creating `.git/worktrees/<name>/`, another
 * reading the list fails with "failed to read .git/worktrees/<name>/commondir" (diagnose runs its
 * checks side by side). Calls in this process wait for each other; one that meets another
 * process's half-made entry tries again a few times.
 */
let adding: Promise<unknown> = Promise.resolve()

function addWorktree(repo: Repo, dir: string, commit: string): Promise<void> {
  const attempt = async (left: number): Promise<void> => {
    try {
      await git(repo.root, ['worktree', 'add', '--detach', '--quiet', dir, commit])
    } catch (e) {
      if (left === 0 || !/failed to read .*worktrees\//.test(String((e as Error).message))) throw e
      await new Promise((r) => setTimeout(r, 50))
      await attempt(left - 1)
    }
  }
  const run = adding.then(() => attempt(3))
  adding = run.catch(() => undefined)
  return run
}

/** Moves a temporary work tree to another commit (its own HEAD only). */
export async function checkoutIn(wt: TempWorktree, commit: string): Promise<void> {
  await git(wt.path, ['checkout', '--detach', '--quiet', '--force', commit])
}

/**
 * Links the user's `node_modules` into the temporary tree when every lockfile at `commit` is
 * byte-identical to the one in the work tree: the same dependencies, so nothing to install.
 * Returns why it did or did not.
 */
export async function linkDependencies(
  repo: Repo,
  wt: TempWorktree,
  commit: string,
): Promise<{ linked: boolean; why: string }> {
  const modules = path.join(repo.root, 'node_modules')
  const st = await fsp.stat(modules).catch(() => undefined)
  if (!st?.isDirectory()) return { linked: false, why: 'no node_modules in the work tree' }
  const differ: string[] = []
  for (const file of LOCKFILES) {
    const [at, here] = await Promise.all([blobAt(repo, commit, file), workTreeBlob(repo, file)])
    if (at !== here) differ.push(file)
  }
  if (differ.length > 0) {
    // A link made for an earlier commit of the same tree must not serve this one.
    const link = path.join(wt.path, 'node_modules')
    if ((await fsp.lstat(link).catch(() => undefined))?.isSymbolicLink()) await fsp.unlink(link)
    return { linked: false, why: `${differ.join(', ')} differs at ${commit.slice(0, 10)}` }
  }
  await fsp.symlink(modules, path.join(wt.path, 'node_modules'), 'dir').catch((e) => {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
  })
  return { linked: true, why: 'the lockfile is identical: node_modules linked' }
}

async function blobAt(repo: Repo, commit: string, file: string): Promise<string | undefined> {
  const r = await git(repo.root, ['rev-parse', '-q', '--verify', `${commit}:${file}`], {
    okCodes: [1, 128],
  })
  return r.code === 0 ? r.stdout.trim() : undefined
}

async function workTreeBlob(repo: Repo, file: string): Promise<string | undefined> {
  const abs = path.join(repo.root, file)
  if (!(await fsp.stat(abs).catch(() => undefined))?.isFile()) return undefined
  return (await git(repo.root, ['hash-object', '--', file])).stdout.trim()
}

/**
 * Removes the temporary work trees whose process is gone (killed, crashed). Returns their paths.
 * Only paths this registry created are removed: each is a directory of cpo's own under the
 * system temp directory, never user data.
 */
export async function removeLeftoverWorktrees(repo: Repo): Promise<string[]> {
  const names = await fsp.readdir(registryDir(repo)).catch(() => [] as string[])
  const removed: string[] = []
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = path.join(registryDir(repo), name)
    let record: Registration
    try {
      record = JSON.parse(await fsp.readFile(file, 'utf8')) as Registration
    } catch {
      continue
    }
    if (alive(record.pid)) continue
    await removeRegistered(repo, record)
    removed.push(record.path)
  }
  return removed
}

async function removeRegistered(repo: Repo, record: Registration): Promise<void> {
  // Only a directory this registry named: cpo-wt-<id> under the system temp directory.
  if (path.basename(record.path) === `cpo-wt-${record.id}`) {
    await git(repo.root, ['worktree', 'remove', '--force', '--force', record.path], {
      okCodes: [128],
    })
    await fsp.rm(record.path, { recursive: true, force: true })
  }
  await git(repo.root, ['worktree', 'prune'])
  await fsp.rm(path.join(registryDir(repo), `${record.id}.json`), { force: true })
}

function removeRegisteredSync(repo: Repo, record: Registration): void {
  const run = (args: string[]) => {
    try {
      execFileSync('git', args, {
        cwd: repo.root,
        stdio: 'ignore',
        env: { ...process.env, LC_ALL: 'C' },
      })
    } catch {
      // best effort: the registry entry stays if the directory does, for the next command
    }
  }
  if (path.basename(record.path) === `cpo-wt-${record.id}`) {
    run(['worktree', 'remove', '--force', '--force', record.path])
    fs.rmSync(record.path, { recursive: true, force: true })
  }
  run(['worktree', 'prune'])
  if (!fs.existsSync(record.path)) {
    fs.rmSync(path.join(registryDir(repo), `${record.id}.json`), { force: true })
  }
}

/** Where git keeps this work tree's own files (HEAD, bisect state); removed with it. */
export async function worktreeGitDir(wt: TempWorktree): Promise<string> {
  return (await git(wt.path, ['rev-parse', '--absolute-git-dir'])).stdout.trim()
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
