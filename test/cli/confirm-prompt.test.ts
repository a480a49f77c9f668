import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, makeRepo, sh } from '../helpers/repo.js'

/**
 * README.md, global option `--yes`: on a terminal a destructive command asks before it acts (the prompt
 * module loads readline only then). `script` gives the command a terminal; the answer is typed
 * into it.
 */

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')

function onTerminal(dir: string, args: string[], typed: string) {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ')
  return spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: dir,
    input: typed,
    encoding: 'utf8',
    env: { ...process.env, CPO_FAULT: '' },
  })
}

const tags = (dir: string) => sh(dir, 'git', 'tag', '--list', 'checkpoint/*').trim()

describe('the confirmation prompt on a terminal', () => {
  it('asks; anything but yes changes nothing, yes deletes', () => {
    const dir = makeRepo({ 'README.md': '# p\n' })
    commitAll(dir, 'one')
    expect(cpo(dir, ['checkpoint', 'create', 'keep-me']).code).toBe(0)
    const no = onTerminal(dir, ['checkpoint', 'delete', 'keep-me'], 'n\n')
    expect(no.stdout).toContain('delete checkpoint keep-me? [y/N]')
    expect(no.stdout).toContain('cancelled, nothing was changed')
    expect(no.status).not.toBe(0)
    expect(tags(dir)).toBe('checkpoint/keep-me')
    const yes = onTerminal(dir, ['checkpoint', 'delete', 'keep-me'], 'y\n')
    expect(yes.status, yes.stdout).toBe(0)
    expect(tags(dir)).toBe('')
  })
})
