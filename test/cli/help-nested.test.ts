import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildProgram, main } from '../../src/cli/main.js'
import { cpo, tempDir } from '../helpers/repo.js'

/** Every command two or more words deep (`rollback deploy`, `deploy local publish`). */
function nested(): string[][] {
  const found: string[][] = []
  const walk = (cmd: ReturnType<typeof buildProgram>, words: string[]) => {
    for (const sub of cmd.commands) {
      if (sub.name() === 'help') continue
      const path = [...words, sub.name()]
      if (path.length >= 2) found.push(path)
      walk(sub, path)
    }
  }
  walk(buildProgram(), [])
  return found
}

/** What `cpo <argv>` prints on stdout, run in this process (47 commands × 2 spawns is slow). */
async function stdoutOf(argv: string[]): Promise<string> {
  let out = ''
  const listeners = process.stdout.listeners('error')
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk)
    return true
  })
  try {
    await main(argv)
  } finally {
    write.mockRestore()
    for (const l of process.stdout.listeners('error')) {
      if (!listeners.includes(l)) process.stdout.off('error', l as () => void)
    }
  }
  return out
}

afterEach(() => {
  process.exitCode = undefined
})

describe('cpo help <cmd> <sub>: the nested command, not its group', () => {
  it('cpo help rollback deploy prints what cpo rollback deploy --help prints (real process)', () => {
    const dir = tempDir()
    const viaHelp = cpo(dir, ['help', 'rollback', 'deploy'])
    const viaFlag = cpo(dir, ['rollback', 'deploy', '--help'])
    expect(viaHelp.code).toBe(0)
    expect(viaHelp.stdout.split('\n')[0]).toBe('Usage: cpo rollback deploy [options]')
    expect(viaHelp.stdout).toContain('--to <id|prod-vK>')
    expect(viaHelp.stdout).toBe(viaFlag.stdout)

    const json = cpo(dir, ['--json', 'help', 'rollback', 'deploy'])
    expect(json.code).toBe(0)
    expect(json.json.ok).toBe(true)
    expect(json.json.data).toMatchObject({ path: 'cpo rollback deploy', name: 'deploy' })
  })

  it('global options before help still apply: cpo -C <dir> help db restore', () => {
    const r = cpo(tempDir(), ['-C', tempDir(), 'help', 'db', 'restore'])
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')[0]).toBe('Usage: cpo db restore [options] <checkpoint>')
  })

  it('resolves every nested command, in text and with --json', async () => {
    const all = nested()
    expect(all.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['rollback deploy', 'deploy local publish', 'story pass']),
    )
    for (const path of all) {
      const text = await stdoutOf(['help', ...path])
      expect(text.split('\n')[0], path.join(' ')).toMatch(
        new RegExp(`^Usage: cpo ${path.join(' ')}( |$)`),
      )
      expect(text, path.join(' ')).toBe(await stdoutOf([...path, '--help']))

      const json = JSON.parse(await stdoutOf(['--json', 'help', ...path]))
      expect(json.ok).toBe(true)
      expect(json.data.path, path.join(' ')).toBe(`cpo ${path.join(' ')}`)
    }
  })

  it('a help topic that names no command is a usage error with a hint, in text and --json', () => {
    const dir = tempDir()
    const text = cpo(dir, ['help', 'rollback', 'nosuch'])
    expect(text.code).toBe(2)
    expect(text.stdout).toBe('')
    expect(text.stderr).toContain('cpo: no command "cpo rollback nosuch"')
    expect(text.stderr).toContain('hint: See the commands with `cpo rollback --help`.')

    const json = cpo(dir, ['--json', 'help', 'nosuch'])
    expect(json.code).toBe(2)
    expect(json.json).toMatchObject({
      ok: false,
      error: {
        code: 'USAGE',
        message: 'no command "cpo nosuch"',
        hint: 'See the commands with `cpo --help`.',
        details: { known: expect.arrayContaining(['status', 'rollback']) },
      },
    })
  })

  it('a group still prints its own help: cpo help rollback', async () => {
    const text = await stdoutOf(['help', 'rollback'])
    expect(text.split('\n')[0]).toBe('Usage: cpo rollback [options] [command]')
  })
})
