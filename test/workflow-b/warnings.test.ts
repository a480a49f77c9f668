import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, makeRepo, tempDir } from '../helpers/repo.js'

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/projects')
const fixtureText = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8')

describe('warnings where things are broken', () => {
  it('timeline, checkpoint list and backup create warn about a corrupt state file like status', () => {
    const good = fixtureText('mid-execution.json')
    const dir = makeRepo({ 'master-project.json': good, 'README.md': '# ledgerly\n' })
    expect(cpo(dir, ['checkpoint', 'create', 'before-edit']).code).toBe(0)
    // An editor saved half the file.
    fs.writeFileSync(path.join(dir, 'master-project.json'), good.slice(0, 400))
    const status = cpo(dir, ['--json', 'status'])
    const message = status.json.data.projectError.message as string
    // The same words status gives (status also carries the parser's details).
    const { code, hint } = status.json.data.projectError
    const sameAsStatus = { code, message, hint }
    expect(message).toMatch(/master-project\.json/)
    const said = `cannot read master-project.json: ${message}`
    expect(cpo(dir, ['status']).stdout).toContain(`project: ${said}`)

    const timeline = cpo(dir, ['--json', 'timeline'])
    expect(timeline.code, timeline.stderr).toBe(0)
    expect(timeline.json.data.warnings).toEqual([sameAsStatus])
    const timelineText = cpo(dir, ['timeline'])
    expect(timelineText.stderr).toContain(`warning: ${said}`)
    expect(timelineText.stdout).not.toContain('warning:')

    const list = cpo(dir, ['--json', 'checkpoint', 'list'])
    expect(list.code, list.stderr).toBe(0)
    expect(list.json.data.warnings).toEqual([sameAsStatus])
    expect(list.json.data.checkpoints.map((c: any) => c.name)).toEqual(['before-edit'])
    expect(cpo(dir, ['checkpoint', 'list']).stderr).toContain(`warning: ${said}`)

    const store = tempDir()
    const backup = cpo(dir, ['--json', 'backup', 'create', '--store', store])
    expect(backup.code, backup.stderr).toBe(0)
    expect(backup.json.data.warnings.map((w: any) => w.message)).toEqual([message])
  })

  it('status and init report a broken plan: duplicate ids, unknown dependencies, cycles', () => {
    const json = JSON.parse(fixtureText('mid-execution.json'))
    json.stages[4].id = 'S4' // a second S4
    json.stages[3].dependsOn = ['S9']
    json.stages[1].dependsOn = ['S3'] // S2 → S3 → S2
    const dir = makeRepo({ 'master-project.json': `${JSON.stringify(json, null, 2)}\n` })
    const s = cpo(dir, ['--json', 'status'])
    expect(s.code, s.stderr).toBe(0)
    const codes = s.json.data.warnings.map((w: any) => w.code)
    expect(codes).toEqual(
      expect.arrayContaining(['DUPLICATE_STAGE_ID', 'DEPENDENCY_UNKNOWN', 'DEPENDENCY_CYCLE']),
    )
    const text = cpo(dir, ['status'])
    expect(text.stderr).toContain('warning: stage id "S4" is used by more than one stage')
    expect(text.stderr).toMatch(/warning: .*S9/)

    const init = cpo(dir, ['--json', 'init'])
    expect(init.code, init.stderr).toBe(0)
    expect(init.json.data.warnings.map((w: any) => w.code)).toEqual(codes)
    const again = cpo(dir, ['init'])
    expect(again.stderr).toContain('warning: stage id "S4" is used by more than one stage')
  })
})
