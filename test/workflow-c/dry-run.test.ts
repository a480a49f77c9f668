import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, fingerprint, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { builtProject, everything, workInProgress } from '../rollback/build.js'

const storeEnv = () => ({ CPO_BACKUP_STORE: path.join(tempDir('cpo-store-'), 'store') })

function ok(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = cpo(dir, ['--json', ...args], env)
  expect(r.code, `cpo ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0)
  return r.json.data
}

/** The paths whose type, mode or bytes differ between two fingerprints. */
function changedPaths(a: Record<string, string>, b: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => k.startsWith('tree:')))
  return [...keys]
    .filter((k) => a[k] !== b[k])
    .map((k) => k.slice('tree:'.length))
    .sort()
}

describe('--dry-run prints what would change and changes nothing', () => {
  it('snapshot restore --dry-run lists the files a restore then really writes and removes', () => {
    const dir = builtProject()
    const snap = ok(dir, ['snapshot', '-m', 'before the mess']).snapshot.id as string
    workInProgress(dir)
    fs.rmSync(path.join(dir, 'README.md'))
    const before = fingerprint(dir)
    const kept = everything(dir)

    const p = ok(dir, ['snapshot', 'restore', snap, '--dry-run'])
    expect(p.dryRun).toBe(true)
    expect(p.target.id).toBe(snap)
    expect(p.plan.write).toEqual(['README.md', 'src/recipes.ts'])
    expect(p.plan.remove).toEqual(['notes.txt'])
    expect(p.plan.refs).toEqual([])
    expect(fingerprint(dir)).toEqual(before)
    expect(everything(dir)).toEqual(kept)

    const text = cpo(dir, ['snapshot', 'restore', snap, '--dry-run'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('would write:')
    expect(text.stdout).toContain('notes.txt')
    expect(text.stdout).toContain('nothing changed (--dry-run)')

    const some = ok(dir, ['snapshot', 'restore', snap, '--paths', 'src', '--dry-run'])
    expect(some.plan.write).toEqual(['src/recipes.ts'])
    expect(some.plan.remove).toEqual([])
    expect(fingerprint(dir)).toEqual(before)

    // The real restore changes exactly what the dry run said (debug.log is ignored: untouched).
    ok(dir, ['snapshot', 'restore', snap])
    expect(changedPaths(before, fingerprint(dir))).toEqual(
      [...p.plan.write, ...p.plan.remove].sort(),
    )
  })

  it('recover --dry-run after a crash names the interrupted operation and what recover then changes', () => {
    const dir = builtProject()
    const snap = ok(dir, ['snapshot']).snapshot.id as string
    workInProgress(dir)
    fs.rmSync(path.join(dir, 'README.md'))
    const crashed = cpo(dir, ['snapshot', 'restore', snap], { CPO_FAULT: 'restore-deletions' })
    expect(crashed.signal).toBe('SIGKILL')
    const before = fingerprint(dir)
    const kept = everything(dir)

    const p = ok(dir, ['recover', '--dry-run'])
    expect(p).toMatchObject({ dryRun: true, recovered: true })
    expect(p.interrupted.map((o: { command: string }) => o.command)).toEqual(['snapshot restore'])
    expect(fingerprint(dir)).toEqual(before)
    expect(everything(dir)).toEqual(kept)
    // Still interrupted: every other command still points to recover.
    expect(cpo(dir, ['--json', 'snapshot']).json.error?.code).toBe('RECOVERY_PENDING')

    const r = ok(dir, ['recover'])
    expect(r.recovered).toBe(true)
    expect(changedPaths(before, fingerprint(dir))).toEqual(
      [...p.plan.write, ...p.plan.remove].sort(),
    )
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('ideas for S2\n')

    const none = ok(dir, ['recover', '--dry-run'])
    expect(none).toEqual({ dryRun: true, recovered: false })
  })

  it('restore <backup> <dir> --dry-run names the target, what it would create and the counts, and creates nothing', () => {
    const src = builtProject()
    const env = storeEnv()
    const id = ok(src, ['backup', 'create'], env).id as string
    const target = path.join(tempDir(), 'copy')

    const p = ok(tempDir(), ['restore', id, target, '--dry-run'], env)
    expect(fs.existsSync(target)).toBe(false)
    const refCount = sh(src, 'git', 'for-each-ref', '--format=%(refname)').trim().split('\n').length
    expect(p).toMatchObject({
      dryRun: true,
      id,
      target,
      directory: 'create',
      refs: refCount,
      journal: true,
      head: { symref: 'refs/heads/main', commit: sh(src, 'git', 'rev-parse', 'HEAD').trim() },
    })
    expect(p.files).toContain('master-project.json')
    expect(p.creates).toContain(`${target}/`)

    const text = cpo(tempDir(), ['restore', id, target, '--dry-run'], env)
    expect(text.stdout).toContain(`would restore backup ${id}`)
    expect(text.stdout).toContain(`refs: ${refCount}`)
    expect(fs.existsSync(target)).toBe(false)

    // A target a restore would refuse is refused by the dry run too, with nothing written.
    const full = tempDir()
    fs.writeFileSync(path.join(full, 'keep.txt'), 'mine\n')
    const refused = cpo(tempDir(), ['--json', 'restore', id, full, '--dry-run'], env)
    expect(refused.code).toBe(4)
    expect(refused.json.error?.code).toBe('TARGET_NOT_EMPTY')
    expect(fs.readdirSync(full)).toEqual(['keep.txt'])

    // The real restore makes what the dry run announced.
    const r = ok(tempDir(), ['restore', id, target], env)
    expect(r.refs).toBe(p.refs)
    expect(r.files).toEqual(p.files)
    expect(
      sh(target, 'git', 'for-each-ref', '--format=%(refname)').trim().split('\n'),
    ).toHaveLength(refCount)
  })

  it('restore --from-git --dry-run asks the remote only and clones nothing', () => {
    const src = builtProject()
    const target = path.join(tempDir(), 'clone')
    const p = ok(tempDir(), ['restore', '--from-git', src, target, '--dry-run'])
    expect(fs.existsSync(target)).toBe(false)
    expect(p.defaultBranch).toEqual({
      name: 'main',
      commit: sh(src, 'git', 'rev-parse', 'HEAD').trim(),
    })
    expect(p.branch).toBe('main')
    expect(p.checkpoints.map((c: { name: string }) => c.name)).toContain('project-initialized')
  })

  it('a rollback dry run needs no --reason (stage and story); the real one still does', () => {
    const dir = builtProject()
    writeFiles(dir, { 'src/search.ts': 'export const search = () => []\n' })
    commitAll(dir, 'feat(S2-US-002): Search recipes')
    const before = fingerprint(dir)
    const kept = everything(dir)
    const stage = cpo(dir, ['--json', 'rollback', 'stage', 'S3', '--dry-run'])
    expect(stage.code, stage.stdout).toBe(0)
    expect(stage.json.data.dryRun).toBe(true)
    const story = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--dry-run'])
    expect(story.code, story.stdout).toBe(0)
    expect(story.json.data.dryRun).toBe(true)
    expect(fingerprint(dir)).toEqual(before)
    expect(everything(dir)).toEqual(kept)

    const real = cpo(dir, ['--json', 'rollback', 'stage', 'S3'])
    expect(real.code).toBe(2)
    expect(real.json.error?.code).toBe('REASON_REQUIRED')
    expect(fingerprint(dir)).toEqual(before)
  })
})
