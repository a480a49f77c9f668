import { describe, expect, it } from 'vitest'
import { commitAll, cpo, makeRepo, writeFiles } from '../helpers/repo.js'
import { pendingProject } from './workflow-repo.js'

/**
 * `checkpoint list` takes a state file that passes the plain checks as it is (no schema), and
 * one that fails them through the schema, for its warning: the same stages and warnings either
 * way as the schema's read.
 */
describe('checkpoint list: the state file by the plain checks, the schema for a failing one', () => {
  it('a valid file (with a BOM and CRLF line ends): stage names, no warning', () => {
    const text = pendingProject(2).replace(/\n/g, '\r\n')
    const dir = makeRepo({ 'master-project.json': `\uFEFF${text}` })
    writeFiles(dir, { 'src/a.ts': 'a\n' })
    const work = commitAll(dir, 'feat(S2-US-001): a story')
    const r = cpo(dir, ['checkpoint', 'list', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.warnings).toEqual([])
    const found = r.json.data.checkpoints.find((c: { commit: string }) => c.commit === work)
    expect(found.stage).toEqual({ number: '2', id: 'S2', name: 'Stage 2' })
  })

  it('a file the schema refuses: the schema’s warning, and the stages still named', () => {
    const doc = JSON.parse(pendingProject(2))
    doc.stages[1].stories = 'oops' // the schema wants a list
    const dir = makeRepo({ 'master-project.json': `${JSON.stringify(doc, null, 2)}\n` })
    writeFiles(dir, { 'src/a.ts': 'a\n' })
    const work = commitAll(dir, 'feat(S2-US-001): a story')
    const r = cpo(dir, ['checkpoint', 'list', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.warnings).toHaveLength(1)
    expect(r.json.data.warnings[0].message).toContain('master-project.json')
    // `cpo status` reads the same file through the same schema: the same message.
    const status = cpo(dir, ['status', '--json'])
    expect(status.json.data.projectError.message).toBe(r.json.data.warnings[0].message)
    const found = r.json.data.checkpoints.find((c: { commit: string }) => c.commit === work)
    expect(found.stage).toEqual({ number: '2', id: 'S2', name: 'Stage 2' })
  })
})
