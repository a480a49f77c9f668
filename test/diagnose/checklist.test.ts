import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, writeFiles } from '../helpers/repo.js'
import { stageTwoStarted } from './build.js'

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')

/** The CLI without blocking this process: the webhook server below must answer meanwhile. */
function cpoAsync(
  cwd: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('rollback checklists', () => {
  it('--notify posts a JSON message to a real webhook; every item is reported and logged', async () => {
    const dir = stageTwoStarted()
    writeFiles(dir, { 'src/recipes.js': 'exports.recipes = [\n' })
    commitAll(dir, 'feat(S2-US-001): Add a recipe')
    writeFiles(dir, { 'notes.txt': 'uncommitted idea\n' })
    const received: Array<{ method: string; type: string; body: any }> = []
    const server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          type: req.headers['content-type'] ?? '',
          body: JSON.parse(body),
        })
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
    try {
      const r = await cpoAsync(dir, [
        'rollback',
        'stage',
        'S2',
        '--reason',
        'build broke',
        '--notify',
        url,
        '--verify',
        '--json',
      ])
      expect(r.code, r.stderr).toBe(0)
      expect(received).toEqual([
        {
          method: 'POST',
          type: 'application/json',
          body: expect.objectContaining({
            event: 'cpo.rollback',
            command: 'cpo rollback stage',
            reason: 'build broke',
          }),
        },
      ])
      const items = JSON.parse(r.stdout).data.checklist
      const status = Object.fromEntries(items.map((i: any) => [i.id, [i.when, i.status]]))
      expect(status).toEqual({
        reason: ['before', 'ok'],
        target: ['before', 'ok'],
        snapshot: ['before', 'ok'],
        backup: ['before', 'skipped'],
        notify: ['before', 'ok'],
        uncommitted: ['before', 'ok'],
        state: ['after', 'ok'],
        tests: ['after', 'ok'],
        dependencies: ['after', 'ok'],
        database: ['after', 'skipped'],
      })
      expect(items.find((i: any) => i.id === 'uncommitted').evidence).toBe('1: notes.txt')
      expect(items.find((i: any) => i.id === 'notify').evidence).toContain('answered 204')
      // The before-list is part of the ROLLBACK entry the rollback commit records.
      const log = fs.readFileSync(path.join(dir, 'cpo-progress.md'), 'utf8')
      const entry = log.slice(log.lastIndexOf('ROLLBACK stage-2'))
      expect(entry).toContain('- Checklist before:')
      expect(entry).toContain('  - ✓ team notified: POST')
      expect(entry).toContain('  - – full backup written: not asked')
    } finally {
      server.close()
    }
  })

  it('a webhook that cannot be reached is a failed item, not a failed rollback', () => {
    const dir = stageTwoStarted()
    const r = cpo(dir, [
      'rollback',
      'stage',
      'S2',
      '--reason',
      'retry',
      '--notify',
      'http://127.0.0.1:9/nothing',
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const notify = r.json.data.checklist.find((i: any) => i.id === 'notify')
    expect(notify.status).toBe('failed')
  })
})
