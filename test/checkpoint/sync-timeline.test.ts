import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { cpo, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { projectJson } from './project.js'

beforeAll(() => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/cli.js'))) {
    throw new Error('build first: node scripts/build.mjs')
  }
})

const refs = (dir: string, prefix: string) =>
  sh(dir, 'git', 'for-each-ref', '--format=%(refname) %(objectname)', prefix)

describe('checkpoint push / pull with a bare remote', () => {
  it('a teammate sees the checkpoints and snapshots; undo removes what pull brought', () => {
    const remote = path.join(tempDir('cpo-remote-'), 'team.git')
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote])
    const ana = makeRepo({ 'master-project.json': projectJson(), 'README.md': '# r\n' })
    sh(ana, 'git', 'remote', 'add', 'origin', remote)
    expect(cpo(ana, ['stage', 'start', 'S1']).code).toBe(0)
    expect(cpo(ana, ['stage', 'complete', 'S1']).code).toBe(0)
    sh(ana, 'git', 'push', '-q', 'origin', 'main')

    const pushed = cpo(ana, ['--json', 'checkpoint', 'push'])
    expect(pushed.code).toBe(0)
    expect(pushed.json.data.rejected).toEqual([])
    expect(refs(remote, 'refs/tags/checkpoint/')).toBe(refs(ana, 'refs/tags/checkpoint/'))
    expect(refs(remote, 'refs/cpo/')).toBe(refs(ana, 'refs/cpo/'))
    expect(cpo(ana, ['--json', 'checkpoint', 'push']).json.data.updated).toEqual([])

    const ben = path.join(tempDir('cpo-ben-'), 'work')
    execFileSync('git', ['clone', '-q', remote, ben])
    sh(ben, 'git', 'tag', '-d', ...sh(ben, 'git', 'tag', '-l').trim().split('\n'))
    expect(refs(ben, 'refs/tags/checkpoint/')).toBe('')
    const pulled = cpo(ben, ['--json', 'checkpoint', 'pull'])
    expect(pulled.code).toBe(0)
    expect(refs(ben, 'refs/tags/checkpoint/')).toBe(refs(ana, 'refs/tags/checkpoint/'))
    for (const line of refs(ana, 'refs/cpo/').trim().split('\n')) {
      expect(refs(ben, 'refs/cpo/')).toContain(line)
    }
    expect(pulled.json.data.fetched.map((f: any) => f.ref)).toContain(
      'refs/tags/checkpoint/stage-1-start',
    )
    const list = cpo(ben, ['--json', 'checkpoint', 'list', '--tags-only'])
    expect(list.json.data.checkpoints.map((c: any) => c.name)).toEqual([
      'stage-1-start',
      'stage-1-complete',
    ])

    expect(cpo(ben, ['undo']).code).toBe(0)
    expect(refs(ben, 'refs/tags/checkpoint/')).toBe('')
  })

  it('never overwrites a local checkpoint with a different remote one', () => {
    const remote = path.join(tempDir('cpo-remote-'), 'team.git')
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote])
    const a = makeRepo({ 'a.txt': 'a\n' })
    sh(a, 'git', 'remote', 'add', 'origin', remote)
    expect(cpo(a, ['checkpoint', 'create', 'shared']).code).toBe(0)
    expect(cpo(a, ['checkpoint', 'push']).code).toBe(0)
    const b = makeRepo({ 'b.txt': 'b\n' })
    sh(b, 'git', 'remote', 'add', 'origin', remote)
    expect(cpo(b, ['checkpoint', 'create', 'shared']).code).toBe(0)
    const mine = refs(b, 'refs/tags/checkpoint/')
    const push = cpo(b, ['--json', 'checkpoint', 'push'])
    expect(push.code).toBe(4)
    expect(push.json.data.rejected.map((r: any) => r.ref)).toEqual(['refs/tags/checkpoint/shared'])
    const pull = cpo(b, ['--json', 'checkpoint', 'pull'])
    expect(pull.code).toBe(0)
    expect(pull.json.data.kept).toEqual(['checkpoint/shared'])
    expect(refs(b, 'refs/tags/checkpoint/')).toBe(mine)
    expect(
      cpo(b, ['--json', 'checkpoint', 'push', '--', '--upload-pack=touch x']).json.error?.code,
    ).toBe('INVALID_REMOTE')
  })
})

describe('cpo timeline', () => {
  const at = (dir: string, date: string, message: string) => {
    const env = { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }
    execFileSync('git', ['add', '-A'], { cwd: dir, env })
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', message], { cwd: dir, env })
  }

  it('draws phases, stages and their checkpoints within the width, plain when piped', () => {
    const doc = JSON.parse(projectJson())
    doc.stages[0].status = 'tested'
    doc.stages[1].status = 'in_progress'
    const dir = makeRepo({})
    writeFiles(dir, { 'master-project.json': `${JSON.stringify(doc, null, 2)}\n` })
    at(dir, '2025-03-02T09:00:00Z', 'plan')
    at(dir, '2025-03-03T09:00:00Z', 'checkpoint: before Stage 1 - Project setup')
    writeFiles(dir, { 'src/a.ts': 'a\n' })
    at(dir, '2025-03-03T12:00:00Z', 'feat(S1-US-001): Scaffold the app')
    at(dir, '2025-03-04T09:00:00Z', 'merge: Stage S1')
    writeFiles(dir, { 'src/b.ts': 'b\n' })
    at(dir, '2025-03-05T09:00:00Z', 'feat(stage-2): recipes with a very long description here')

    const r = cpo(dir, ['timeline', '--width', '44'])
    expect(r.code).toBe(0)
    const head = (name: string) => sh(dir, 'git', 'rev-parse', '--short=7', name).trim()
    expect(r.stdout).toBe(
      [
        '● Phase 1 Discovery',
        '● Phase 2 Planning',
        '◐ Phase 3 Execution  (current)',
        '├─ ● S1 Project setup  [tested]',
        `│     ⚑ stage-1-start? 2025-03-03 ${head('HEAD~3')}`,
        `│     ⚑ stage-1-complete? 2025-03-04 ${head('HEAD~1')}`,
        '├─ ◐ S2 Recipes  [in_progress]',
        `│     ⚑ stage-2-start? 2025-03-04 ${head('HEAD~1')}`,
        '└─ ○ S3 Shopping list  [pending]',
        '○ Phase 4 Full Project Validation',
        '○ Phase 5 Documentation & Delivery',
        '(? = inferred from a commit message, no tag)',
        '',
      ].join('\n'),
    )
    expect(r.stdout).not.toContain('\u001b[')
    for (const line of r.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(44)

    const json = cpo(dir, ['--json', 'timeline']).json.data
    expect(json.phases.map((p: any) => p.state)).toEqual([
      'done',
      'done',
      'current',
      'upcoming',
      'upcoming',
    ])
    expect(
      json.stages.map((s: any) => [s.id, s.status, s.checkpoints.map((c: any) => c.name)]),
    ).toEqual([
      ['S1', 'tested', ['stage-1-start', 'stage-1-complete']],
      ['S2', 'in_progress', ['stage-2-start']],
      ['S3', 'pending', []],
    ])
  })
})
