import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { inject } from 'vitest'
import { decodeBytes } from '../../src/core/path-bytes.js'
import { afterEveryFile, afterEveryTest } from './hooks.js'

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')
const made: string[] = []

afterEveryTest(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

const kept: string[] = []
afterEveryFile(() => {
  for (const dir of kept.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/**
 * Moves a directory made in a test out of its clean-up: it lives until the test file ends. A
 * module that caches a kept directory checks it with `isKept`: the next test file in the same
 * worker finds the module loaded and the directory removed.
 */
export function keep(dir: string): string {
  const at = made.indexOf(dir)
  if (at >= 0) made.splice(at, 1)
  kept.push(dir)
  return dir
}

const forRun: string[] = []

/**
 * Moves a fixture a helper module built (and caches) into the run's fixture directory, made and
 * removed by test/helpers/fixtures-dir.ts: it lives until the run ends, so a worker builds it
 * once for all the test files it runs. Tests only ever copy it. Without that directory (another
 * vitest config), it is kept for the test file, as `keep` does.
 */
export function keepForRun(dir: string): string {
  const root = inject('fixtureRoot')
  if (!root) return keep(dir)
  const at = made.indexOf(dir)
  if (at >= 0) made.splice(at, 1)
  const to = path.join(root, path.basename(dir))
  fs.renameSync(dir, to)
  forRun.push(to)
  return to
}

/** Whether `dir` is a directory kept for the test file that runs now (or for the whole run). */
export function isKept(dir: string | undefined): dir is string {
  return dir !== undefined && (kept.includes(dir) || forRun.includes(dir))
}

/** A copy of a repository (a kept fixture) in a fresh temp dir, removed after the test. */
export function copyOf(source: string): string {
  const dir = tempDir()
  fs.cpSync(source, dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true })
  return dir
}

export function tempDir(prefix = 'cpo-test-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
  made.push(dir)
  return dir
}

/** `git init` and the config every test repository gets, made once per test file. */
let initialized: string | undefined

function initializedRepo(): string {
  if (isKept(initialized)) return initialized
  const dir = keep(tempDir('cpo-init-'))
  sh(dir, 'git', 'init', '-q', '-b', 'main')
  sh(dir, 'git', 'config', 'user.email', 'dev@example.com')
  sh(dir, 'git', 'config', 'user.name', 'Dev')
  sh(dir, 'git', 'config', 'gc.auto', '0')
  sh(dir, 'git', 'config', 'core.autocrlf', 'false')
  initialized = dir
  return dir
}

/**
 * A real repository: branch main, fixed identity, no automatic gc, removed after the test.
 * Its `.git` is a copy of one `git init` (and config) per test file: a new repository holds no
 * path of its own, so the copy is the same bytes and modes a fresh `git init` writes, without
 * its five processes.
 */
export function makeRepo(files: Record<string, string> = { 'README.md': '# demo\n' }): string {
  const dir = tempDir()
  fs.cpSync(path.join(initializedRepo(), '.git'), path.join(dir, '.git'), {
    recursive: true,
    verbatimSymlinks: true,
  })
  writeFiles(dir, files)
  if (Object.keys(files).length > 0) commitAll(dir, 'initial')
  return dir
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
}

export function commitAll(dir: string, message: string): string {
  sh(dir, 'git', 'add', '-A')
  sh(dir, 'git', 'commit', '-q', '--allow-empty', '-m', message)
  return sh(dir, 'git', 'rev-parse', 'HEAD').trim()
}

export function sh(cwd: string, cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  json: { ok: boolean; data?: any; error?: { code: string; message: string; hint: string | null } }
}

/** Runs the built CLI as a user would; `json` is the parsed --json envelope when there is one. */
export function cpo(cwd: string, args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CPO_FAULT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let json: CliResult['json'] = { ok: false }
  try {
    json = JSON.parse(r.stdout)
  } catch {
    // not a --json run
  }
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, json }
}

/**
 * Everything a user could lose, as one comparable value: every file under the work tree
 * (ignored ones too, .git excluded) with type, mode and content hash; the index with modes and
 * blob ids; HEAD, the branch it names, and every branch and tag.
 */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  // Names are read as bytes and kept exactly (a name that is not UTF-8 must not look like another).
  const walk = (rel: Buffer) => {
    for (const name of fs.readdirSync(Buffer.concat([Buffer.from(`${dir}/`), rel]), {
      encoding: 'buffer',
    })) {
      const r = rel.length > 0 ? Buffer.concat([rel, Buffer.from('/'), name]) : name
      const key = decodeBytes(r)
      if (key === '.git') continue
      const abs = Buffer.concat([Buffer.from(`${dir}/`), r])
      const st = fs.lstatSync(abs)
      if (st.isSymbolicLink())
        out[`tree:${key}`] = `link ${fs.readlinkSync(abs, 'buffer').toString('hex')}`
      else if (st.isDirectory()) walk(r)
      else {
        const hash = createHash('sha256').update(fs.readFileSync(abs)).digest('hex')
        out[`tree:${key}`] = `file ${(st.mode & 0o7777).toString(8)} ${hash}`
      }
    }
  }
  walk(Buffer.alloc(0))
  out.index = sh(dir, 'git', 'ls-files', '-s', '-z')
  out.head = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
  out.branch = spawnSync('git', ['symbolic-ref', '-q', 'HEAD'], {
    cwd: dir,
    encoding: 'utf8',
  }).stdout.trim()
  out.refs = sh(
    dir,
    'git',
    'for-each-ref',
    '--format=%(refname) %(objectname)',
    'refs/heads',
    'refs/tags',
  )
  return out
}

/** Same as fingerprint, but only the work tree and index (refs and HEAD may legitimately move). */
export function treeOnly(fp: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fp).filter(([k]) => k.startsWith('tree:') || k === 'index'),
  )
}
