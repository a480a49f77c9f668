import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeRepo } from '../helpers/repo.js'

const CLI = path.resolve(import.meta.dirname, '../../bin/cpo.js')

/**
 * The reader of cpo's stdout closes the pipe before cpo writes (`true` reads nothing and exits
 * at once): every write then fails with EPIPE. bash's PIPESTATUS gives cpo's own exit code.
 */
function piped(cwd: string, args: string[]): { code: number; stderr: string } {
  const quoted = args.map((a) => `'${a}'`).join(' ')
  const r = spawnSync(
    'bash',
    ['-c', `"${process.execPath}" "${CLI}" ${quoted} | true; exit "\${PIPESTATUS[0]}"`],
    { cwd, encoding: 'utf8' },
  )
  return { code: r.status ?? -1, stderr: r.stderr }
}

describe('stdout closed early', () => {
  it('`cpo --help | true` exits 0 without a stack trace', () => {
    const r = piped(process.cwd(), ['--help'])
    expect(r.stderr).not.toContain('EPIPE')
    expect(r.code).toBe(0)
  })

  it('`cpo --json status | true` and `cpo --help | head -1` exit 0 quietly', () => {
    const dir = makeRepo()
    const status = piped(dir, ['--json', 'status'])
    expect(status.stderr).toBe('')
    expect(status.code).toBe(0)
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" --help | head -1`], {
      cwd: dir,
      encoding: 'utf8',
    })
    expect(r.stdout).toBe('Usage: cpo [options] [command]\n')
    expect(r.stderr).toBe('')
  })
})
