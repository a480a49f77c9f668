import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpoTraced } from '../helpers/git-trace.js'
import { commitAll, copyOf, cpo, keep, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'

/** Five independent stages, all pending. */
function project(): string {
  const stages = [1, 2, 3, 4, 5].map((n) => ({
    id: `S${n}`,
    epicId: 'E1',
    name: `Stage ${n}`,
    status: 'pending',
    dependsOn: [],
    stories: [
      {
        id: `S${n}-US-001`,
        title: 'x',
        priority: 1,
        passes: false,
        attempts: 0,
        completedAt: null,
      },
    ],
    startedAt: null,
    completedAt: null,
  }))
  return `${JSON.stringify({ project: { name: 'p', status: 'in_progress' }, epics: [{ id: 'E1', name: 'e', status: 'pending', stages: stages.map((s) => s.id) }], stages, currentStage: null, currentPhase: 3 }, null, 2)}\n`
}

/**
 * Twenty commits of stage 1, then `feat(stage-4)` work on which `checkpoint/stage-2-start` is
 * tagged by hand (so the target commit names stage 4), built once and copied per test.
 */
let template: string | undefined
function base(): string {
  if (!template) {
    const dir = makeRepo({ 'master-project.json': project(), 'README.md': '# p\n' })
    expect(cpo(dir, ['init']).code).toBe(0)
    for (let i = 0; i < 20; i++) {
      writeFiles(dir, { [`src/one-${i}.ts`]: `${i}\n` })
      commitAll(dir, `feat(stage-1): work ${i}`)
    }
    writeFiles(dir, { 'src/four.ts': 'four\n' })
    commitAll(dir, 'feat(stage-4): work before the target')
    sh(dir, 'git', 'tag', '-a', 'checkpoint/stage-2-start', '-m', 'checkpoint: stage-2-start')
    template = keep(dir)
  }
  return copyOf(template)
}

/** The plan of `cpo rollback stage 2 --dry-run`, and the argv of every git process it ran. */
function dryRun(dir: string): { plan: any; argvs: string[][] } {
  const args = ['rollback', 'stage', '2', '--reason', 'test', '--dry-run', '--json']
  const { r, argvs } = cpoTraced(dir, args)
  expect(r.code, r.stderr).toBe(0)
  return { plan: r.json.data.plan ?? r.json.data, argvs }
}

describe('a rollback reads only the history after its target, with the same plan', () => {
  it('bounds the checkpoint inference and the upstream check to target..HEAD; inferred work still counts', () => {
    const dir = base()
    const target = sh(dir, 'git', 'rev-parse', 'checkpoint/stage-2-start^{commit}').trim()
    writeFiles(dir, { 'src/two.ts': 'two\n' })
    commitAll(dir, 'feat(S2-US-001): story of stage 2')
    // Pushed: the rollback must see that a discarded commit is on the upstream.
    const remote = path.join(tempDir(), 'remote.git')
    sh(dir, 'git', 'init', '-q', '--bare', remote)
    sh(dir, 'git', 'remote', 'add', 'origin', remote)
    sh(dir, 'git', 'push', '-q', 'origin', 'HEAD:refs/heads/main')
    sh(dir, 'git', 'fetch', '-q', 'origin')
    sh(dir, 'git', 'branch', '-q', '--set-upstream-to=origin/main')
    writeFiles(dir, { 'src/three.ts': 'three\n' })
    commitAll(dir, 'feat(stage-3): inferred work of stage 3')

    const { plan, argvs } = dryRun(dir)
    // The same plan the whole history gives: S2 (the target), S3 (its work is discarded), and
    // not S4, whose work is before the target; the pushed commit makes it a revert.
    expect(plan.stagesReset).toEqual(['S2', 'S3'])
    expect(plan.mode).toBe('revert')
    expect(plan.discardedCommits).toHaveLength(2)
    // No walk of the whole history: the log and the upstream's rev-list stop at the target.
    const walks = argvs.filter(
      (a) => (a[1] === 'log' && a.includes('--branches')) || a[1] === 'rev-list',
    )
    expect(walks.map((a) => a[1]).sort()).toEqual(['log', 'rev-list'])
    for (const argv of walks) expect(argv).toContain(`^${target}`)
  })

  it('reads the whole history when a commit after the target takes its stage from before it', () => {
    const dir = base()
    // Names no stage, and main names none: it belongs to the stage the last earlier commit
    // named — stage 4, at the target itself.
    writeFiles(dir, { 'src/bare.ts': 'bare\n' })
    commitAll(dir, 'feat: US-009 - a story that names no stage')

    const { plan, argvs } = dryRun(dir)
    expect(plan.stagesReset).toEqual(['S2', 'S4'])
    const log = argvs.filter((a) => a[1] === 'log' && a.includes('--branches'))
    expect(log.some((a) => !a.some((x) => x.startsWith('^')))).toBe(true)
  })
})
