import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, makeRepo } from '../helpers/repo.js'

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')

/** Starts cpo in the background; resolves with its exit code and output. */
function background(cwd: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, CPO_FAULT: '', ...env },
  })
  let stdout = ''
  child.stdout.on('data', (d) => {
    stdout += d
  })
  const done = new Promise<{ code: number | null; json: any }>((resolve) =>
    child.on('close', (code) => resolve({ code, json: JSON.parse(stdout || '{}') })),
  )
  return { pid: child.pid as number, done }
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

function journal(dir: string): Array<{ type: string; id: string }> {
  return fs
    .readFileSync(path.join(dir, '.git/cpo/oplog.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
}

describe('one writer per repository', () => {
  it('a second run fails at once naming the holder; --wait queues behind it', async () => {
    const dir = makeRepo()
    const lockFile = path.join(dir, '.git/cpo/lock')
    const first = background(dir, ['snapshot', '-m', 'first', '--json'], {
      CPO_PAUSE: 'lock-taken:2500',
    })
    await until(() => fs.existsSync(lockFile))

    const second = cpo(dir, ['snapshot', '-m', 'second', '--json'])
    expect(second.code).toBe(4)
    expect(second.json.error?.code).toBe('LOCKED')
    expect(second.json.error?.message).toMatch(
      new RegExp(`locked by pid ${first.pid} \\(cpo snapshot -m first\\) on .+ since \\d{4}-`),
    )

    const third = background(dir, ['snapshot', '-m', 'third', '--wait=30', '--json'])
    const [a, c] = await Promise.all([first.done, third.done])
    expect(a.code).toBe(0)
    expect(c.code).toBe(0)

    const events = journal(dir)
    expect(events.map((e) => e.type)).toEqual(['begun', 'done', 'begun', 'done'])
    expect(fs.existsSync(lockFile)).toBe(false)
    const list = cpo(dir, ['snapshot', 'list', '--json']).json.data.snapshots
    expect(list.map((s: { message: string }) => s.message)).toEqual(['third', 'first'])
  })

  it('two runs started together: exactly one proceeds', async () => {
    const dir = makeRepo()
    const env = { CPO_PAUSE: 'lock-taken:1500' }
    const runs = await Promise.all([
      background(dir, ['snapshot', '--json'], env).done,
      background(dir, ['snapshot', '--json'], env).done,
    ])
    expect(runs.map((r) => r.code).sort()).toEqual([0, 4])
    expect(runs.find((r) => r.code === 4)?.json.error.code).toBe('LOCKED')
    expect(journal(dir).map((e) => e.type)).toEqual(['begun', 'done'])
  })

  it('takes over a lock whose process died on this host, and says so', () => {
    const dir = makeRepo()
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number
    fs.mkdirSync(path.join(dir, '.git/cpo'), { recursive: true })
    const owner = {
      pid: dead,
      host: os.hostname(),
      command: 'undo',
      startedAt: '2026-01-01T00:00:00.000Z',
    }
    fs.writeFileSync(path.join(dir, '.git/cpo/lock'), JSON.stringify(owner))
    const r = cpo(dir, ['snapshot'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(
      `took over the lock of pid ${dead} (cpo undo, since 2026-01-01T00:00:00.000Z)`,
    )
  })

  it('never takes over a lock held from another host', () => {
    const dir = makeRepo()
    fs.mkdirSync(path.join(dir, '.git/cpo'), { recursive: true })
    const owner = {
      pid: 1,
      host: 'build-agent-7',
      command: 'snapshot',
      startedAt: '2026-01-01T00:00:00.000Z',
    }
    fs.writeFileSync(path.join(dir, '.git/cpo/lock'), JSON.stringify(owner))
    const r = cpo(dir, ['snapshot', '--json'])
    expect(r.code).toBe(4)
    expect(r.json.error?.message).toBe(
      'repository is locked by pid 1 (cpo snapshot) on build-agent-7 since 2026-01-01T00:00:00.000Z',
    )
    const status = cpo(dir, ['status', '--json']).json.data
    expect(status.lock).toMatchObject({ pid: 1, host: 'build-agent-7', stale: false })
  })
})
