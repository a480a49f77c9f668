import { spawn } from 'node:child_process'
import path from 'node:path'
import type { CliResult } from '../helpers/repo.js'

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')

/**
 * `cpo(...)` without blocking the test process: the platform fakes and health servers these
 * tests start live in this process and must answer while the CLI runs.
 */
export function cpoAsync(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, CPO_FAULT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8')
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      let json: CliResult['json'] = { ok: false }
      try {
        json = JSON.parse(stdout)
      } catch {
        // not a --json run
      }
      resolve({ code, signal, stdout, stderr, json })
    })
  })
}
