import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, fingerprint, sh, writeFiles } from '../helpers/repo.js'
import { stageTwoStarted, worktrees } from './build.js'

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')

/** S2's second story breaks S1's test; the stories around it do not. */
function brokenByStory(): string {
  const dir = stageTwoStarted()
  writeFiles(dir, { 'src/recipes.js': 'exports.recipes = []\n' })
  commitAll(dir, 'feat(S2-US-001): Add a recipe')
  writeFiles(dir, { 'src/add.js': 'exports.add = (a, b) => a + b + 1 // "round up"\n' })
  commitAll(dir, 'feat(S2-US-002): List recipes')
  writeFiles(dir, { 'src/list.js': 'exports.list = () => []\n' })
  commitAll(dir, 'chore(stage-2): tidy up')
  return dir
}

describe('cpo bisect', () => {
  it("names the stage, the story, the commit, its files and the output, touching nothing of the user's", () => {
    const dir = brokenByStory()
    const culprit = sh(dir, 'git', 'rev-parse', 'HEAD~1').trim()
    // The command comes from the last diagnose.
    expect(cpo(dir, ['diagnose', '--json']).json.data.classification.symptom).toBe(
      'tests-fail-earlier-stages',
    )
    const before = fingerprint(dir)
    const refsBefore = sh(dir, 'git', 'for-each-ref', '--format=%(refname) %(objectname)')

    const r = cpo(dir, ['bisect', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const b = r.json.data
    expect(b).toMatchObject({
      command: 'node test/run.js',
      commandFrom: 'last diagnose',
      lastGood: { name: 'stage-2-start' },
      firstBad: { name: 'HEAD' },
      stage: { id: 'S2', number: '2' },
      story: 'S2-US-002',
      commit: { sha: culprit, subject: 'feat(S2-US-002): List recipes' },
      files: ['src/add.js'],
      exitCode: 1,
    })
    expect(b.outputTail).toContain('FAIL test/add.test.js: add(2, 2) is 5')
    expect(b.probes.map((p: any) => [p.checkpoint, p.result])).toEqual([
      ['HEAD', 'bad'],
      ['stage-2-start', 'good'],
    ])

    expect(fingerprint(dir)).toEqual(before)
    // Not even git's own bisect refs or cpo's refs moved in the main repository.
    expect(sh(dir, 'git', 'for-each-ref', '--format=%(refname) %(objectname)')).toBe(refsBefore)
    expect(fs.existsSync(path.join(dir, '.git/BISECT_LOG'))).toBe(false)
    expect(worktrees(dir)).toEqual({ git: [], registry: [] })
  })

  it('--command, --from and --to; a commit that cannot build is skipped', () => {
    const dir = brokenByStory()
    // Between the good and the bad story: a commit that does not build. From the commit that
    // started S2 (stage start commits its state), so the wip commit is the middle one git tests.
    sh(dir, 'git', 'reset', '-q', '--hard', 'HEAD~3')
    writeFiles(dir, { 'src/wip.js': 'exports.wip = (\n' })
    commitAll(dir, 'wip: half a file')
    writeFiles(dir, { 'src/wip.js': 'exports.wip = 1\n' })
    commitAll(dir, 'fix(stage-2): finish the file')
    writeFiles(dir, { 'src/add.js': 'exports.add = () => 0\n' })
    const bad = commitAll(dir, 'feat(S2-US-002): List recipes')
    sh(dir, 'git', 'tag', '-a', '-m', 'manual', 'checkpoint/s2-broken')
    const r = cpo(dir, [
      'bisect',
      '--command',
      'node test/run.js',
      '--from',
      'stage-1-complete',
      '--to',
      's2-broken',
      '--json',
    ])
    expect(r.code, r.stdout).toBe(0)
    expect(r.json.data).toMatchObject({
      commandFrom: 'option',
      to: { name: 's2-broken', commit: bad },
      commit: { sha: bad },
      story: 'S2-US-002',
    })
    expect(r.json.data.skipped).toHaveLength(1)
    expect(worktrees(dir)).toEqual({ git: [], registry: [] })
  })

  it('refuses clearly when nothing fails, or when no command is known', () => {
    const dir = stageTwoStarted()
    const none = cpo(dir, ['bisect', '--json'])
    expect(none.code).toBe(2)
    expect(none.json.error).toMatchObject({ code: 'NO_BISECT_COMMAND' })
    expect(none.json.error?.hint).toContain('cpo diagnose')
    const passes = cpo(dir, ['bisect', '--command', 'node test/run.js', '--json'])
    expect(passes.code).toBe(4)
    expect(passes.json.error).toMatchObject({ code: 'BISECT_NOTHING_FAILS' })
    expect(worktrees(dir)).toEqual({ git: [], registry: [] })
  })

  it('a killed bisect (SIGKILL) leaves its work tree; cpo recover removes it, the rest untouched', async () => {
    const dir = brokenByStory()
    const before = fingerprint(dir)
    const pidFile = path.join(dir, '.git', 'probe.pid')
    const child = spawn(
      process.execPath,
      [CLI, 'bisect', '--command', `echo $$ > '${pidFile}'; sleep 30; false`],
      { cwd: dir, stdio: 'ignore' },
    )
    const exited = new Promise((resolve) => child.on('exit', resolve))
    // Wait until the command runs inside the temporary work tree, then kill cpo outright.
    for (let i = 0; i < 600 && !fs.existsSync(pidFile); i++) {
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(fs.existsSync(pidFile)).toBe(true)
    const left = worktrees(dir)
    child.kill('SIGKILL')
    await exited
    const probe = Number(fs.readFileSync(pidFile, 'utf8'))
    try {
      process.kill(-probe, 'SIGKILL')
    } catch {}
    expect(left.git).toHaveLength(1)
    expect(left.registry).toHaveLength(1)
    expect(fs.existsSync(left.git[0] as string)).toBe(true)

    const r = cpo(dir, ['recover', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.worktreesRemoved).toEqual(left.git)
    expect(fs.existsSync(left.git[0] as string)).toBe(false)
    expect(worktrees(dir)).toEqual({ git: [], registry: [] })
    const after = fingerprint(dir)
    delete after['tree:.git/probe.pid']
    expect(after).toEqual(before)
  })
})
