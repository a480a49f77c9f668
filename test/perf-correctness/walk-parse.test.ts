import { describe, expect, it } from 'vitest'
import { BRANCH_WALK, parseWalk } from '../../src/ops/diagnose/branch-walk.js'
import { commitAll, makeRepo, sh } from '../helpers/repo.js'

/*
 * The state check's branch walk is read with indexOf (ARCHITECTURE.md §18). It must give the
 * records the split read gave: here both read the walk of a real repository with merges (two
 * and three parents), a root commit, empty and unusual subjects, and every cut-short ending.
 */

/** The split read the walk had before (the reference). */
function splitRead(stdout: string) {
  const fields = stdout.split('\0')
  if (fields.at(-1) === '') fields.pop()
  const out = []
  for (let i = 0; i + 3 < fields.length; i += 4) {
    out.push({
      commit: fields[i] as string,
      parents: (fields[i + 1] as string).split(' ').filter(Boolean),
      time: Number(fields[i + 2]),
      subject: fields[i + 3] as string,
    })
  }
  return out
}

function walkOf(dir: string): string {
  return sh(dir, 'git', ...BRANCH_WALK)
}

describe('parseWalk: the records of the split read', () => {
  it('reads a real walk with merges, an octopus and odd subjects exactly', () => {
    const dir = makeRepo({ 'README.md': '# p\n' })
    commitAll(dir, 'feat(S1-US-001): first story')
    sh(dir, 'git', 'checkout', '-q', '-b', 'side')
    commitAll(dir, 'side work: ünïcode and "quotes" \t tab')
    sh(dir, 'git', 'checkout', '-q', '-b', 'third', 'HEAD~1')
    commitAll(dir, 'x')
    sh(dir, 'git', 'checkout', '-q', 'main')
    commitAll(dir, 'merge: Stage S1')
    sh(dir, 'git', 'merge', '-q', '--no-ff', '-m', 'octopus', 'side', 'third')
    sh(dir, 'git', 'commit', '-q', '--allow-empty', '--allow-empty-message', '-m', '')
    const stdout = walkOf(dir)
    const records = parseWalk(stdout)
    expect(records).toEqual(splitRead(stdout))
    // Real outcomes, not only agreement: the octopus has three parents, the root none.
    expect(records.map((r) => r.parents.length).sort()).toContain(3)
    expect(records.filter((r) => r.parents.length === 0).length).toBeGreaterThan(0)
    expect(records.at(-1)?.subject).toBe('')
    expect(records.at(-1)?.commit).toBe(sh(dir, 'git', 'rev-parse', 'HEAD').trim())
    // Every cut of the output (a walk ended early) reads as the split read reads it.
    for (let cut = 0; cut <= stdout.length; cut++) {
      expect(parseWalk(stdout.slice(0, cut))).toEqual(splitRead(stdout.slice(0, cut)))
    }
  })

  it('reads hand-made endings as the split read does', () => {
    const h = 'a'.repeat(40)
    const p = 'b'.repeat(40)
    const z = (...fields: string[]) => fields.join('\0')
    for (const text of [
      '',
      '\0',
      z(h, p, '1', ''),
      z(h, p, '1', 's'),
      z(h, p, '1', 's', ''),
      z(h, '', '1', '', ''),
      z(h, `${p} ${h}`, '1', 's', p, '', '2', 't'),
      z(h, `${p}  ${h} `, '1', 's', ''),
    ]) {
      expect(parseWalk(text)).toEqual(splitRead(text))
    }
  })
})
