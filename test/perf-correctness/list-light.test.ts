import { describe, expect, it } from 'vitest'
import { commitAll, cpo, makeRepo, writeFiles } from '../helpers/repo.js'

describe('checkpoint list reads the state file without its schema', () => {
  it('names stages from a state file that is valid JSON but not a valid project', () => {
    // `stories` must be a list: the schema rejects this file, a list only needs ids and names.
    const state = { stages: [{ id: 'S1', name: 'Setup', status: 'in_progress', stories: 'oops' }] }
    const dir = makeRepo({ 'master-project.json': `${JSON.stringify(state, null, 2)}\n` })
    writeFiles(dir, { 'src/a.ts': 'a\n' })
    const work = commitAll(dir, 'feat(stage-1): first work')
    const r = cpo(dir, ['checkpoint', 'list', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const found = r.json.data.checkpoints.find((c: { commit: string }) => c.commit === work)
    expect(found.stage).toEqual({ number: '1', id: 'S1', name: 'Setup' })
    // A file that is not JSON at all still lists, without names.
    writeFiles(dir, { 'master-project.json': '{ not json' })
    const broken = cpo(dir, ['checkpoint', 'list', '--json'])
    expect(broken.code, broken.stderr).toBe(0)
    const again = broken.json.data.checkpoints.find((c: { commit: string }) => c.commit === work)
    expect(again.stage).toEqual({ number: '1', id: null, name: null })
  })
})
