import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/adapters/repo.js'
import { dirStore } from '../../src/adapters/storage/dir.js'
import { createBackup } from '../../src/ops/backup/create.js'
import { setPinned } from '../../src/ops/backup/pin.js'
import { pruneBackups } from '../../src/ops/backup/prune.js'
import { makeRepo, tempDir } from '../helpers/repo.js'

/**
 * Ten daily backups at noon UTC, 2026-01-01 (a Thursday) to 2026-01-10, copied from one real
 * backup with only the id and start time changed, plus an interrupted one on the 11th.
 */
async function history() {
  const root = path.join(tempDir('cpo-store-'), 'store')
  const store = dirStore(root)
  const { id } = await createBackup(await openRepo(makeRepo()), store, { project: 'p' })
  const ids: Record<number, string> = {}
  for (let day = 1; day <= 10; day++) {
    const d = String(day).padStart(2, '0')
    const copy = `202601${d}-120000-000-aaaa`
    fs.cpSync(path.join(root, id), path.join(root, copy), { recursive: true })
    const file = path.join(root, copy, 'manifest.json')
    const m = JSON.parse(fs.readFileSync(file, 'utf8'))
    m.id = copy
    m.startedAt = `2026-01-${d}T12:00:00.000Z`
    fs.writeFileSync(file, JSON.stringify(m))
    ids[day] = copy
  }
  fs.rmSync(path.join(root, id), { recursive: true })
  const incomplete = '20260111-120000-000-bbbb'
  fs.mkdirSync(path.join(root, incomplete))
  fs.writeFileSync(path.join(root, incomplete, 'archive.tar.zst.partial'), 'half')
  return { root, store, ids, incomplete }
}

describe('backup prune', () => {
  it('keeps by restic rules, pins and the newest verified backup; removes the rest', async () => {
    const { root, store, ids, incomplete } = await history()
    await setPinned(store, ids[2] as string, true)
    fs.writeFileSync(
      path.join(root, ids[6] as string, 'meta.json'),
      JSON.stringify({ verifiedAt: '2026-01-06T13:00:00.000Z' }),
    )
    // Worked out by hand: last 2 → 10, 9; weekly 2 → week of Mon 5 Jan (newest 10), week of
    // Mon 29 Dec (newest 4); pinned 2; newest verified 6.
    const kept = [10, 9, 6, 4, 2].map((d) => ids[d])
    const removed = [incomplete, ...[8, 7, 5, 3, 1].map((d) => ids[d])]

    const dry = await pruneBackups(store, { keepLast: 2, keepWeekly: 2 }, { dryRun: true })
    expect(dry.keep.map((k) => k.id)).toEqual(kept)
    expect(dry.remove.map((k) => k.id)).toEqual(removed)
    expect(dry.removed).toEqual([])
    expect(fs.readdirSync(root).filter((n) => n !== 'lock').length).toBe(11)
    expect(dry.keep.find((k) => k.id === ids[10])?.reasons).toEqual([
      'last snapshot #1',
      'weekly snapshot 2026-W02',
    ])
    expect(dry.keep.find((k) => k.id === ids[2])?.reasons).toEqual(['pinned'])
    expect(dry.keep.find((k) => k.id === ids[6])?.reasons).toEqual(['newest verified backup'])
    expect(dry.remove[0]?.reasons).toEqual(['incomplete'])

    const real = await pruneBackups(store, { keepLast: 2, keepWeekly: 2 })
    expect(real.removed).toEqual(removed)
    expect((await store.list()).map((b) => b.id).sort()).toEqual([...kept].sort())
  })

  it('refuses an empty policy and deletes nothing', async () => {
    const { store } = await history()
    await expect(pruneBackups(store, {})).rejects.toMatchObject({ code: 'RETENTION_EMPTY_POLICY' })
    expect((await store.list()).length).toBe(11)
  })
})
