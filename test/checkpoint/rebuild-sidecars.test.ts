import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, fingerprint, makeRepo, sh, tempDir } from '../helpers/repo.js'
import { projectJson } from './project.js'

const SECRET = 'sk_live_51HabcDEFghiJKLmnoPQRstu'
const GONE = 'the work tree at that time is gone'

/** A project through stage S1 and phase 3, as an agent would have run it. */
function project(): string {
  const dir = makeRepo({
    'master-project.json': projectJson(),
    '.env.example': `STRIPE_SECRET_KEY=${SECRET}\nPORT=3000\n`,
    'README.md': '# pantry\n',
  })
  for (const args of [
    ['init'],
    ['stage', 'start', 'S1'],
    ['stage', 'complete', 'S1', '--skip-verify'],
    ['phase', 'complete', '3', '--force'],
  ]) {
    expect(cpo(dir, ['--json', ...args]).code).toBe(0)
  }
  return dir
}

const sideDir = (dir: string) => path.join(dir, '.checkpoints')
/** Every sidecar's bytes, by name. */
function sidecarBytes(dir: string): Record<string, string> {
  if (!fs.existsSync(sideDir(dir))) return {}
  return Object.fromEntries(
    fs
      .readdirSync(sideDir(dir))
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(sideDir(dir), f)).toString('base64')]),
  )
}
const withoutSidecars = (fp: Record<string, string>) =>
  Object.fromEntries(Object.entries(fp).filter(([k]) => !k.startsWith('tree:.checkpoints/')))
const peeled = (dir: string, name: string) =>
  sh(dir, 'git', 'rev-parse', `checkpoint/${name}^{commit}`).trim()
const side = (...files: string[]) => files.map((f) => `.checkpoints/${f}`)

describe('cpo checkpoint sidecars: missing sidecars come back from the tags’ commits', () => {
  it('rebuilds what was deleted byte for byte, never git status, never overwrites', () => {
    const dir = project()
    const original = sidecarBytes(dir)
    expect(Object.keys(original)).toEqual([
      'env-backup-stage-1.env',
      'git-ref-phase-3.txt',
      'git-ref-stage-1.txt',
      'git-status-stage-1.txt',
      'master-project-after-phase-3.json',
      'master-project-after-stage-1.json',
      'master-project-before-stage-1.json',
    ])
    const before = withoutSidecars(fingerprint(dir))
    fs.rmSync(sideDir(dir), { recursive: true })

    const dry = cpo(dir, ['--json', 'checkpoint', 'sidecars', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(fs.existsSync(sideDir(dir))).toBe(false)
    expect(dry.json.data.dryRun).toBe(true)
    expect(dry.json.data.checkpoints.map((c: any) => [c.name, c.written])).toEqual([
      [
        'stage-1-start',
        side('env-backup-stage-1.env', 'git-ref-stage-1.txt', 'master-project-before-stage-1.json'),
      ],
      ['stage-1-complete', side('master-project-after-stage-1.json')],
      ['phase-3-complete', side('git-ref-phase-3.txt', 'master-project-after-phase-3.json')],
    ])

    const r = cpo(dir, ['--json', 'checkpoint', 'sidecars'])
    expect(r.code).toBe(0)
    const { dryRun, checkpoints } = r.json.data
    expect({ dryRun, checkpoints }).toEqual({
      dryRun: false,
      checkpoints: [
        {
          name: 'stage-1-start',
          commit: peeled(dir, 'stage-1-start'),
          written: side(
            'env-backup-stage-1.env',
            'git-ref-stage-1.txt',
            'master-project-before-stage-1.json',
          ),
          kept: [],
          notRebuildable: [{ file: '.checkpoints/git-status-stage-1.txt', why: GONE }],
          note: null,
        },
        {
          name: 'stage-1-complete',
          commit: peeled(dir, 'stage-1-complete'),
          written: side('master-project-after-stage-1.json'),
          kept: [],
          notRebuildable: [],
          note: null,
        },
        {
          name: 'phase-3-complete',
          commit: peeled(dir, 'phase-3-complete'),
          written: side('git-ref-phase-3.txt', 'master-project-after-phase-3.json'),
          kept: [],
          notRebuildable: [],
          note: null,
        },
      ],
    })
    const { 'git-status-stage-1.txt': _gone, ...rebuildable } = original
    expect(sidecarBytes(dir)).toEqual(rebuildable)
    const env = fs.readFileSync(path.join(sideDir(dir), 'env-backup-stage-1.env'), 'utf8')
    expect(env).not.toContain(SECRET)
    expect(env).toContain('PORT=3000')
    // Only ignored files appeared: the work tree, index, HEAD and refs are as they were.
    expect(withoutSidecars(fingerprint(dir))).toEqual(before)
    expect(sh(dir, 'git', 'status', '--porcelain', '--untracked-files=all')).not.toMatch(
      /checkpoints/,
    )

    // Again: everything is there, nothing is written.
    const again = cpo(dir, ['--json', 'checkpoint', 'sidecars'])
    expect(again.json.data.checkpoints.flatMap((c: any) => c.written)).toEqual([])
    expect(again.json.data.checkpoints.flatMap((c: any) => c.kept)).toHaveLength(6)

    // A sidecar edited by hand is the user's: kept as it is.
    const edited = path.join(sideDir(dir), 'master-project-after-stage-1.json')
    fs.writeFileSync(edited, '{"mine": true}\n')
    const named = cpo(dir, ['checkpoint', 'sidecars', 'checkpoint/stage-1-complete'])
    expect(named.code).toBe(0)
    expect(named.stdout).toBe('stage-1-complete: wrote 0, kept 1\n')
    expect(fs.readFileSync(edited, 'utf8')).toBe('{"mine": true}\n')
    // A git status sidecar that is there again is kept too; nothing ever invents one.
    const text = cpo(dir, ['checkpoint', 'sidecars', 'stage-1-start', 'project-initialized'])
    expect(text.stdout).toBe(
      [
        `stage-1-start: wrote 0, kept 3, cannot rebuild git-status-stage-1.txt (${GONE})`,
        'project-initialized: nothing to rebuild (a project-initialized checkpoint has no sidecars)',
        '',
      ].join('\n'),
    )
    expect(fs.existsSync(path.join(sideDir(dir), 'git-status-stage-1.txt'))).toBe(false)
  })

  it('a commit without master-project.json: that sidecar cannot be rebuilt, the ref can', () => {
    const dir = project()
    sh(dir, 'git', 'rm', '-q', 'master-project.json')
    const commit = commitAll(dir, 'drop the state file')
    sh(dir, 'git', 'tag', '-a', '-m', 'by hand', 'checkpoint/phase-4-complete', commit)
    const r = cpo(dir, ['--json', 'checkpoint', 'sidecars', 'phase-4-complete'])
    expect(r.code).toBe(0)
    expect(r.json.data.checkpoints).toEqual([
      {
        name: 'phase-4-complete',
        commit,
        written: side('git-ref-phase-4.txt'),
        kept: [],
        notRebuildable: [
          {
            file: '.checkpoints/master-project-after-phase-4.json',
            why: `no master-project.json at ${commit}`,
          },
        ],
        note: null,
      },
    ])
    expect(fs.readFileSync(path.join(sideDir(dir), 'git-ref-phase-4.txt'), 'utf8')).toBe(
      `${commit}\n`,
    )
  })

  it('unknown or hostile names: an error, and nothing is written anywhere', () => {
    // In a folder of its own, so whatever lands beside it shows (other tests share the temp dir).
    const parent = tempDir()
    const dir = path.join(parent, 'repo')
    fs.renameSync(project(), dir)
    fs.rmSync(sideDir(dir), { recursive: true })
    const outside = fs.readdirSync(parent).sort()
    const inside = fs.readdirSync(dir).sort()

    const unknown = cpo(dir, ['--json', 'checkpoint', 'sidecars', 'stage-1-start', 'nope'])
    expect(unknown.code).toBe(3)
    expect(unknown.json.error).toMatchObject({ code: 'CHECKPOINT_NOT_FOUND' })
    expect(unknown.json.error?.hint).toContain('cpo checkpoint list')

    for (const name of ['../x', '../../etc/passwd', '-rf']) {
      const r = cpo(dir, ['--json', 'checkpoint', 'sidecars', '--', name])
      expect(r.code, name).toBe(5)
      expect(r.json.error?.code).toBe('INVALID_CHECKPOINT_NAME')
    }
    expect(fs.existsSync(sideDir(dir))).toBe(false)
    expect(fs.readdirSync(parent).sort()).toEqual(outside)
    expect(fs.readdirSync(dir).sort()).toEqual(inside)
  })

  it('a file where .checkpoints/ should be: a clear error, the file untouched', () => {
    const dir = project()
    fs.rmSync(sideDir(dir), { recursive: true })
    fs.writeFileSync(sideDir(dir), 'not a directory\n')
    const r = cpo(dir, ['--json', 'checkpoint', 'sidecars'])
    expect(r.code).toBe(4)
    expect(r.json.error).toMatchObject({ code: 'SIDECAR_DIR_BLOCKED' })
    expect(r.json.error?.hint).toMatch(/move that file away/)
    expect(fs.readFileSync(sideDir(dir), 'utf8')).toBe('not a directory\n')
  })
})
