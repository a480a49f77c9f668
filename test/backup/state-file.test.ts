import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, makeRepo, tempDir, writeFiles } from '../helpers/repo.js'

const storeEnv = () => ({ CPO_BACKUP_STORE: path.join(tempDir('cpo-store-'), 'store') })

// A state file broken by a half-finished edit: the moment a backup matters most.
const CORRUPT = '{"project": {"name": "shop", "status": "in_progress"},\n  "stages": [\n'

describe('a project whose state file is corrupt', () => {
  it('is backed up, verified and restored byte for byte, with a warning each time, never as damage', () => {
    const src = makeRepo({ 'README.md': '# shop\n' })
    writeFiles(src, {
      'master-project.json': CORRUPT,
      '.checkpoints/stage-1/state.json': '{"truncated": ',
    })
    const env = storeEnv()

    const created = cpo(src, ['--json', 'backup', 'create'], env)
    expect(created.code).toBe(0)
    const id = created.json.data.id as string
    expect(created.json.data.warnings).toEqual([
      expect.objectContaining({
        code: 'STATE_FILE_INVALID',
        entry: 'files/master-project.json',
        message: expect.stringContaining('master-project.json is not valid JSON at line 3'),
      }),
      expect.objectContaining({
        code: 'STATE_FILE_INVALID',
        entry: 'files/.checkpoints/stage-1/state.json',
      }),
    ])
    expect(cpo(src, ['backup', 'create'], env).stdout).toContain(
      'warning: master-project.json is not valid JSON',
    )

    const verified = cpo(src, ['--json', 'backup', 'verify', id, '--deep'], env)
    expect(verified.code).toBe(0)
    expect(verified.json.data).toMatchObject({ ok: true, problems: [] })
    expect(verified.json.data.warnings.map((w: { entry: string }) => w.entry)).toEqual([
      'files/master-project.json',
      'files/.checkpoints/stage-1/state.json',
    ])
    const text = cpo(src, ['backup', 'verify', id], env)
    expect(text.code).toBe(0)
    expect(text.stderr).not.toContain('Nothing was restored')
    expect(text.stdout).toContain('warning: master-project.json is not valid JSON')
    const listed = cpo(src, ['--json', 'backup', 'list'], env).json.data.backups
    expect(listed.find((b: { id: string }) => b.id === id).status).toBe('complete')

    const target = path.join(tempDir(), 'restored')
    const restored = cpo(tempDir(), ['--json', 'restore', id, target], env)
    expect(restored.code).toBe(0)
    expect(restored.json.data.warnings).toHaveLength(2)
    expect(fs.readFileSync(path.join(target, 'master-project.json'), 'utf8')).toBe(CORRUPT)
    expect(fs.readFileSync(path.join(target, '.checkpoints/stage-1/state.json'), 'utf8')).toBe(
      '{"truncated": ',
    )
  })

  it('a valid JSON file that is no CPO project file is a warning too', () => {
    const src = makeRepo({ 'master-project.json': '{"stages": "not a list"}\n' })
    const created = cpo(src, ['--json', 'backup', 'create'], storeEnv())
    expect(created.code).toBe(0)
    expect(created.json.data.warnings).toEqual([
      expect.objectContaining({
        entry: 'files/master-project.json',
        message: expect.stringContaining('not a valid CPO project file'),
      }),
    ])
  })
})
