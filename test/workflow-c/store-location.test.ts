import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'

const FIXTURE = fs.readFileSync(
  path.resolve(import.meta.dirname, '../fixtures/projects/mid-execution.json'),
  'utf8',
)

/** A Ledgerly project (the fixture's name) with its own first commit. */
function ledgerly(readme: string): string {
  return makeRepo({ 'master-project.json': FIXTURE, 'README.md': readme })
}

const root12 = (dir: string) =>
  sh(dir, 'git', 'rev-list', '--max-parents=0', 'HEAD').trim().slice(0, 12)

function ok(dir: string, args: string[], env: Record<string, string>) {
  const r = cpo(dir, ['--json', ...args], env)
  expect(r.code, `cpo ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0)
  return r.json.data
}

const backupsIn = (store: string) =>
  fs.existsSync(store)
    ? fs.readdirSync(store).filter((n) => !n.startsWith('.') && n !== 'lock')
    : []

describe('the default backup store is keyed by the repository, not only by the project name', () => {
  it('two projects named alike get their own stores; a clone shares its origin’s', () => {
    const xdg = tempDir('cpo-xdg-')
    const env = { XDG_DATA_HOME: xdg, CPO_BACKUP_STORE: '' }
    const a = ledgerly('# ours\n')
    const b = ledgerly('# theirs, from the same template\n')
    const backups = path.join(xdg, 'cpo', 'backups')

    const madeA = ok(a, ['backup', 'create'], env)
    const madeB = ok(b, ['backup', 'create'], env)
    expect(madeA.store).toBe(path.join(backups, `Ledgerly-${root12(a)}`))
    expect(madeB.store).toBe(path.join(backups, `Ledgerly-${root12(b)}`))
    expect(backupsIn(madeA.store)).toEqual([madeA.id])
    expect(backupsIn(madeB.store)).toEqual([madeB.id])
    expect(fs.existsSync(path.join(backups, 'Ledgerly'))).toBe(false)

    const listA = ok(a, ['backup', 'list'], env)
    expect(listA.backups.map((x: { id: string }) => x.id)).toEqual([madeA.id])
    expect(listA.legacy).toBeNull()

    const clone = path.join(tempDir(), 'clone')
    sh(path.dirname(clone), 'git', 'clone', '-q', a, clone)
    const listClone = ok(clone, ['backup', 'list'], env)
    expect(listClone.store).toBe(madeA.store)
    expect(listClone.backups.map((x: { id: string }) => x.id)).toEqual([madeA.id])
  })

  it('the oldest root names the store when a later orphan branch adds another', () => {
    const xdg = tempDir('cpo-xdg-')
    const env = { XDG_DATA_HOME: xdg, CPO_BACKUP_STORE: '' }
    const dir = ledgerly('# docs too\n')
    const first = root12(dir)
    const late = { ...process.env, GIT_COMMITTER_DATE: '2099-01-01T00:00:00Z' }
    sh(dir, 'git', 'checkout', '-q', '--orphan', 'gh-pages')
    writeFiles(dir, { 'index.html': '<h1>docs</h1>\n' })
    sh(dir, 'git', 'add', '-A')
    execFileSync('git', ['commit', '-q', '-m', 'docs site'], { cwd: dir, env: late })
    // HEAD on the orphan branch: the store stays the one named by the project's first commit.
    const made = ok(dir, ['backup', 'create'], env)
    expect(made.store).toBe(path.join(xdg, 'cpo', 'backups', `Ledgerly-${first}`))
  })

  it('backups in the old location are listed, restorable and pinnable; new ones go to the new store, said once', () => {
    const xdg = tempDir('cpo-xdg-')
    const env = { XDG_DATA_HOME: xdg, CPO_BACKUP_STORE: '' }
    const dir = ledgerly('# upgraded\n')
    const oldStore = path.join(xdg, 'cpo', 'backups', 'Ledgerly')
    const newStore = path.join(xdg, 'cpo', 'backups', `Ledgerly-${root12(dir)}`)
    // What an older cpo made: a backup in <project>/.
    const old = ok(dir, ['backup', 'create'], { ...env, CPO_BACKUP_STORE: oldStore }).id as string
    writeFiles(dir, { 'src/a.ts': 'export const a = 1\n' })
    commitAll(dir, 'feat(S3-US-001): a')

    const made = ok(dir, ['backup', 'create'], env)
    expect(made.store).toBe(newStore)
    expect(backupsIn(newStore)).toEqual([made.id])
    expect(backupsIn(oldStore)).toEqual([old])
    expect(made.legacy).toEqual({ store: oldStore, ids: [old] })

    const listed = ok(dir, ['backup', 'list'], env)
    expect(listed.store).toBe(newStore)
    expect(listed.backups.map((x: { id: string }) => x.id).sort()).toEqual([made.id, old].sort())
    expect(listed.legacy).toEqual({ store: oldStore, ids: [old] })
    const text = cpo(dir, ['backup', 'list'], env)
    expect(text.stdout.match(/old default location/g)).toHaveLength(1)
    expect(text.stdout).toContain(`${old} (old location)`)

    // Pinning an old backup writes its meta where it lies; restoring it by id works.
    ok(dir, ['backup', 'pin', old], env)
    expect(JSON.parse(fs.readFileSync(path.join(oldStore, old, 'meta.json'), 'utf8')).pinned).toBe(
      true,
    )
    expect(fs.existsSync(path.join(newStore, old))).toBe(false)
    const target = path.join(tempDir(), 'restored-old')
    ok(dir, ['restore', old, target], env)
    expect(fs.existsSync(path.join(target, 'src/a.ts'))).toBe(false)
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).toBe('# upgraded\n')

    // Retention sees both locations: the old backup, unpinned, is the one pruned, where it lies.
    ok(dir, ['backup', 'unpin', old], env)
    const pruned = ok(dir, ['--yes', 'backup', 'prune', '--keep-last', '1'], env)
    expect(pruned.removed).toEqual([old])
    expect(backupsIn(oldStore)).toEqual([])
    expect(backupsIn(newStore)).toEqual([made.id])
  })
})
