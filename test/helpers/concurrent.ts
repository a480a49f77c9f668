import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { type RunWindow, readWriterLog, type WriterEntry } from './lost-writes.mjs'
import { type CliResult, cpo, sh, tempDir } from './repo.js'

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')
const WRITER = path.resolve(import.meta.dirname, 'writer.mjs')

/** hrtime in ms: one monotonic clock for this process and the writer's (CLOCK_MONOTONIC). */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6

export interface WriterOptions {
  seed: number
  paths: { path: string; ignored?: boolean }[]
  tag?: string
  minDelayMs?: number
  maxDelayMs?: number
}

export interface RunningWriter {
  /** Stops the writer between two actions and returns everything it did. */
  stop(): Promise<WriterEntry[]>
}

/** Starts writer.mjs against `root` as a separate process, once it is running. */
export async function startWriter(root: string, options: WriterOptions): Promise<RunningWriter> {
  const log = path.join(tempDir('cpo-writer-'), 'log.jsonl')
  const child = spawn(process.execPath, [WRITER, JSON.stringify({ root, log, ...options })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = once(child, 'exit')
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before it ran`)))
  })
  return {
    async stop() {
      child.kill('SIGTERM')
      const [code] = await exited
      if (code !== 0) throw new Error(`the writer failed (exit ${code})`)
      return readWriterLog(log)
    },
  }
}

export function snapshotCount(dir: string): number {
  return sh(dir, 'git', 'for-each-ref', '--format=%(refname)', 'refs/cpo/snapshots')
    .split('\n')
    .filter(Boolean).length
}

/** Runs the CLI and records its window: when it ran, and how many snapshots it made. */
export function timedCpo(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): { result: CliResult; window: RunWindow } {
  const before = snapshotCount(dir)
  const start = now()
  const result = cpo(dir, args, env)
  const end = now()
  const label = `cpo ${args.join(' ')}${env.CPO_FAULT ? ` (CPO_FAULT=${env.CPO_FAULT})` : ''}`
  return { result, window: { label, start, end, snapshots: snapshotCount(dir) - before } }
}

const begunCount = (dir: string): number => {
  try {
    return fs.readFileSync(path.join(dir, '.git/cpo/oplog.jsonl'), 'utf8').split('"type":"begun"')
      .length
  } catch {
    return 0
  }
}

/**
 * Runs `cpo <args>` and, once it has journaled `begun` (its before-snapshot is recorded, nothing
 * is changed yet), freezes it with SIGSTOP, runs `during` (the user's edit), and lets it go on.
 * CPO_PAUSE holds it at that point long enough to be caught there; SIGSTOP makes the edit land
 * inside the operation however slowly this machine runs.
 */
export async function editWhileRunning(
  dir: string,
  args: string[],
  during: () => void,
): Promise<CliResult> {
  const begun = begunCount(dir)
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { ...process.env, CPO_FAULT: '', CPO_PAUSE: 'journal-begun:800' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d) => {
    stdout += d
  })
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const exited = once(child, 'exit')
  let running = true
  void exited.then(() => {
    running = false
  })
  while (running && begunCount(dir) === begun) await new Promise((r) => setTimeout(r, 5))
  if (!running) throw new Error(`cpo ${args.join(' ')} ended before it began: ${stderr}`)
  child.kill('SIGSTOP')
  try {
    during()
  } finally {
    child.kill('SIGCONT')
  }
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null]
  let json: CliResult['json'] = { ok: false }
  try {
    json = JSON.parse(stdout)
  } catch {
    // not a --json run
  }
  return { code, signal, stdout, stderr, json }
}
