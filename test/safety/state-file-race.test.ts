import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectJson } from '../checkpoint/project.js'
import { applying, background, journal, until } from '../helpers/background.js'
import { cpo, makeRepo, sh } from '../helpers/repo.js'

const STATE = 'master-project.json'

describe('the state file is compared before cpo writes it', () => {
  it('an edit saved while stage start runs is never overwritten and stays reachable', async () => {
    const dir = makeRepo({ [STATE]: projectJson() })
    expect(cpo(dir, ['init']).code).toBe(0)
    // Held after the state file was read, before the new one is written.
    const run = background(dir, ['--json', 'stage', 'start', 'S1'], {
      CPO_PAUSE: 'state-read:2500',
    })
    await until(() => applying(dir))
    await new Promise((r) => setTimeout(r, 800))
    const edited = projectJson().replace('"Foundation"', '"Foundation (renamed by hand)"')
    expect(edited).not.toBe(projectJson())
    fs.writeFileSync(path.join(dir, STATE), edited)

    const r = await run
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('FILE_CHANGED')
    expect(r.json.error?.message).toContain(STATE)
    // The operation was put back; the edit is in the snapshot its `failed` entry names.
    const failed = journal(dir).at(-1)
    expect(failed).toMatchObject({ type: 'failed', rolledBack: true })
    sh(dir, 'git', 'gc', '-q', '--prune=now')
    const kept = sh(dir, 'git', 'show', `refs/cpo/snapshots/${failed?.snapshot}:${STATE}`)
    expect(kept).toBe(edited)
    expect(sh(dir, 'git', 'tag', '-l', 'checkpoint/stage-1-start')).toBe('')
  })

  it('an edit saved between the plan and the apply is kept: the stage is started in it', async () => {
    const dir = makeRepo({ [STATE]: projectJson() })
    expect(cpo(dir, ['init']).code).toBe(0)
    // Held once the operation is journaled, after the plan drafted the state change.
    const run = background(dir, ['--json', 'stage', 'start', 'S1'], {
      CPO_PAUSE: 'journal-begun:2500',
    })
    await until(() => applying(dir))
    const edited = projectJson().replace('"Foundation"', '"Foundation (renamed by hand)"')
    expect(edited).not.toBe(projectJson())
    fs.writeFileSync(path.join(dir, STATE), edited)
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    for (const text of [
      fs.readFileSync(path.join(dir, STATE), 'utf8'),
      sh(dir, 'git', 'show', `HEAD:${STATE}`),
    ]) {
      expect(text).toContain('"Foundation (renamed by hand)"')
      expect(JSON.parse(text).stages[0].status).toBe('in_progress')
    }
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
  })
})
