import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { appendJournal, readJournal } from '../../src/adapters/journal.js'
import { openRepo } from '../../src/adapters/repo.js'
import { foldJournal } from '../../src/core/journal.js'
import { type EffectHandler, registerEffectKind } from '../../src/ops/effects.js'
import { runOperation } from '../../src/ops/protocol.js'
import { recover } from '../../src/ops/recover.js'
import { undoOperation } from '../../src/ops/undo.js'
import { makeRepo, tempDir } from '../helpers/repo.js'

/**
 * A stand-in for a database or a platform: a file outside the repository that an operation
 * changes as an effect. Its handler reverts by reading the world first, as real ones do.
 */
interface WorldEffect {
  kind: 'test-world'
  file: string
  from: string
}

const read = (file: string): string => fs.readFileSync(file, 'utf8')

const worldHandler: EffectHandler = {
  async revert(_repo, effect, run) {
    const { file, from } = effect as unknown as WorldEffect
    const now = read(file)
    if (now === from) return
    await run({ kind: 'test-world', file, from: now }, async () => fs.writeFileSync(file, from))
  },
  describe: (effect) => `put ${(effect as unknown as WorldEffect).from} back`,
}
registerEffectKind('test-world', async () => worldHandler)

function world(): { dir: string; file: string } {
  const dir = makeRepo()
  const file = path.join(tempDir('cpo-world-'), 'world.txt')
  fs.writeFileSync(file, 'v1')
  return { dir, file }
}

/** An operation that changes the world to `to` as an effect, then maybe fails. */
async function change(dir: string, file: string, to: string, fail = false): Promise<string> {
  const repo = await openRepo(dir)
  const outcome = await runOperation(repo, {
    command: 'test-change',
    args: [to],
    captureAfter: false,
    plan: async () => to,
    apply: async (ctx, value) => {
      await ctx.runEffect({ kind: 'test-world', file, from: read(file) }, async () =>
        fs.writeFileSync(file, value),
      )
      if (fail) throw new Error('a later step failed')
      return { summary: `world is ${value}`, result: value }
    },
  })
  if (outcome.dryRun) throw new Error('no dry run here')
  return outcome.opId
}

const operations = async (dir: string) =>
  foldJournal((await readJournal(path.join(dir, '.git', 'cpo'))).events)

describe('effects outside git are journaled and reverted', () => {
  it('undo reverts an effect, and undoing the undo applies it again', async () => {
    const { dir, file } = world()
    const op = await change(dir, file, 'v2')
    expect(read(file)).toBe('v2')
    const repo = await openRepo(dir)
    const undo = await undoOperation(repo, op)
    expect(read(file)).toBe('v1')
    await undoOperation(repo, undo.opId)
    expect(read(file)).toBe('v2')
    const ops = await operations(dir)
    expect(ops.map((o) => o.effects?.map((e) => [e.effect.from, e.done]))).toEqual([
      [['v1', true]],
      [['v2', true]],
      [['v1', true]],
    ])
  })

  it('undo of an earlier operation reverts the later ones newest first', async () => {
    const { dir, file } = world()
    const first = await change(dir, file, 'v2')
    await change(dir, file, 'v3')
    await undoOperation(await openRepo(dir), first, { confirmed: true })
    expect(read(file)).toBe('v1')
  })

  it('an operation that throws after an effect puts the world back', async () => {
    const { dir, file } = world()
    await expect(change(dir, file, 'v2', true)).rejects.toThrow('a later step failed')
    expect(read(file)).toBe('v1')
    const [op] = await operations(dir)
    expect(op?.status).toBe('failed')
  })

  it('recover reverts an effect whose end was never journaled (a crash mid-step)', async () => {
    const { dir, file } = world()
    const op = await change(dir, file, 'v2')
    // The same operation as if the process had died during its effect: `begun` and `intent`
    // are in the journal, the world is half-changed, `done` never came.
    const cpoDir = path.join(dir, '.git', 'cpo')
    const events = (await readJournal(cpoDir)).events
    const begun = events.find((e) => e.type === 'begun')
    if (begun?.type !== 'begun') throw new Error('no begun event')
    const crashed = `${op.slice(0, -4)}dead`
    await appendJournal(cpoDir, { ...begun, id: crashed })
    await appendJournal(cpoDir, {
      type: 'effect',
      id: crashed,
      seq: 0,
      state: 'intent',
      time: new Date().toISOString(),
      effect: { kind: 'test-world', file, from: 'v2' },
    })
    fs.writeFileSync(file, 'v3 half-written')
    const report = await recover(await openRepo(dir))
    expect(report.recovered).toBe(true)
    expect(read(file)).toBe('v2')
  })
})
