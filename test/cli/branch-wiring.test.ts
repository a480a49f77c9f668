import { describe, expect, it } from 'vitest'
import { commandTree } from '../../src/cli/help.js'
import { branchOf, buildProgram } from '../../src/cli/main.js'
import { cpo, makeRepo } from '../helpers/repo.js'

const names = (p: ReturnType<typeof buildProgram>) => p.commands.map((c) => c.name())

describe('a run wires only the top-level command it names', () => {
  it('each command wired alone is exactly the one in the whole tree', () => {
    const full = buildProgram()
    for (const cmd of full.commands) {
      const branch = buildProgram(false, cmd.name())
      const alone = branch.commands.find((c) => c.name() === cmd.name())
      expect(alone, cmd.name()).toBeDefined()
      expect(commandTree(alone as typeof cmd)).toEqual(commandTree(cmd))
      expect(branch.commands.length, cmd.name()).toBeLessThan(full.commands.length / 3)
    }
    expect(names(buildProgram(false, 'status'))).toEqual(['status'])
    expect(names(buildProgram(false, 'undo'))).toEqual([
      'snapshot',
      'log',
      'undo',
      'redo',
      'recover',
    ])
  })

  it('finds the command word past global options and their values', () => {
    expect(branchOf(['status'])).toBe('status')
    expect(branchOf(['-C', 'status', 'status', '--json'])).toBe('status')
    expect(branchOf(['--project-file', 'apps/web/master-project.json', 'stage', 'start'])).toBe(
      'stage',
    )
    expect(branchOf(['--wait', '30', 'rollback', 'stage'])).toBe('rollback')
    expect(branchOf(['--wait', '--json', 'log'])).toBe('log')
    expect(branchOf(['--wait=30', 'log'])).toBe('log')
  })

  it('builds the whole tree for help, completion, no command and unknown words', () => {
    for (const argv of [
      [],
      ['--json'],
      ['--version'],
      ['help', 'status'],
      ['status', '--help'],
      ['rollback', 'stage', '-h'],
      ['__complete', 'rollback'],
      ['statuss'],
      ['--wait', 'status'], // commander takes "status" as the value of --wait
    ]) {
      expect(branchOf(argv), argv.join(' ')).toBeUndefined()
    }
  })

  it('a bad global option before the command shows the whole program help, every command in it', () => {
    const dir = makeRepo()
    const r = cpo(dir, ['--bogus', 'status'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("error: unknown option '--bogus'")
    for (const name of ['status', 'snapshot', 'rollback', 'db', 'deploy', 'env']) {
      expect(r.stderr).toMatch(new RegExp(`\\n  ${name} `))
    }
    const ok = cpo(dir, ['status', '--json'])
    expect(ok.code).toBe(0)
    expect(ok.json.data.root).toBe(dir)
  })
})
