import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { sh } from '../helpers/repo.js'

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')

export interface Finished {
  code: number | null
  stdout: string
  stderr: string
  json: { ok: boolean; data?: any; error?: { code: string; message: string; hint: string | null } }
}

/** Starts cpo in the background (e.g. held at a failpoint by CPO_PAUSE) and resolves when it ends. */
export function background(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Finished> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, CPO_FAULT: '', ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
  })
  child.stderr.on('data', (d) => {
    stderr += d
  })
  return new Promise((resolve) =>
    child.on('close', (code) => {
      let json: Finished['json'] = { ok: false }
      try {
        json = JSON.parse(stdout)
      } catch {
        // not a --json run, or it died
      }
      resolve({ code, stdout, stderr, json })
    }),
  )
}

export async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

export function journal(dir: string): Array<Record<string, any>> {
  const file = path.join(dir, '.git/cpo/oplog.jsonl')
  if (!fs.existsSync(file)) return []
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

/** Whether the newest journal entry is a `begun` (the operation is applying). */
export const applying = (dir: string): boolean => journal(dir).at(-1)?.type === 'begun'

/** Messages of every snapshot, oldest first. */
export function snapshotMessages(dir: string): string[] {
  return sh(
    dir,
    'git',
    'for-each-ref',
    '--sort=refname',
    '--format=%(subject)',
    'refs/cpo/snapshots',
  )
    .split('\n')
    .filter(Boolean)
}

/** A file's bytes in a snapshot's work tree, read through git after `git gc --prune=now`. */
export function inSnapshot(dir: string, id: string, file: string): string {
  return sh(dir, 'git', 'show', `refs/cpo/snapshots/${id}:${file}`)
}
