import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { schemaFor } from '../../src/cli/schemas/index.js'
import { copyOf, cpo, keep, makeRepo, tempDir, writeFiles } from '../helpers/repo.js'

const PROJECT = {
  project: { name: 'shop', status: 'in_progress' },
  stages: [{ id: 'S1', name: 'Auth', status: 'pending', dependsOn: [], stories: [] }],
  currentStage: null,
  currentPhase: 3,
}

let base: string
beforeAll(() => {
  base = keep(makeRepo({ 'master-project.json': `${JSON.stringify(PROJECT, null, 2)}\n` }))
})

/** Runs a command with --json and checks its real output against the published schema. */
function valid(dir: string, name: string, args: string[]) {
  const r = cpo(dir, ['--json', ...args])
  const parsed = schemaFor(name).safeParse(JSON.parse(r.stdout))
  expect(parsed.success, `${args.join(' ')}: ${parsed.error?.message}\n${r.stdout}`).toBe(true)
  return r
}

describe('cpo schema', () => {
  it('publishes master-project.json, prd.json and command outputs as JSON Schema', () => {
    const dir = copyOf(base)
    const names = cpo(dir, ['--json', 'schema']).json.data.schemas
    expect(names).toEqual(expect.arrayContaining(['master-project', 'prd', 'status', 'envelope']))
    const project = cpo(dir, ['--json', 'schema', 'master-project']).json.data
    expect(project.$schema).toMatch(/json-schema/)
    expect(project.properties).toHaveProperty('stages')
    expect(cpo(dir, ['--json', 'schema', 'nope']).json.error?.code).toBe('SCHEMA_NOT_FOUND')
  })

  it('real outputs of commands (success, dry run, error) match the published schemas', () => {
    const dir = copyOf(base)
    valid(dir, 'status', ['status'])
    valid(dir, 'stage start', ['stage', 'start', 'S1', '--dry-run'])
    valid(dir, 'stage start', ['stage', 'start', 'S1'])
    valid(dir, 'stage start', ['stage', 'start', 'S9'])
    valid(dir, 'checkpoint create', ['checkpoint', 'create', 'mark', '--dry-run'])
    valid(dir, 'checkpoint create', ['checkpoint', 'create', 'mark'])
    valid(dir, 'rollback stage', ['rollback', 'stage', 'S1', '--reason', 'x', '--dry-run'])
    valid(dir, 'rollback stage', ['rollback', 'stage', 'S1', '--reason', 'x'])
    for (const args of [['log'], ['timeline'], ['checkpoint', 'list'], ['snapshot', 'list']]) {
      valid(dir, args.join(' '), args)
    }
    writeFiles(dir, { 'master-project.json': '{' })
    const broken = valid(dir, 'status', ['status'])
    expect(broken.code).toBe(5)
  })
})

describe('cpo skill and cpo completion', () => {
  it('prints the quick commands and the .mcp.json entry; --install never overwrites without --force', () => {
    const out = cpo(tempDir(), ['skill'])
    expect(out.stdout).toContain('## Quick Commands')
    expect(out.stdout).toMatch(/rollback stage N\s+→ cpo rollback stage N --reason/)
    expect(out.stdout).toContain('"command": "cpo"')
    const cwd = tempDir()
    const dir = path.join(cwd, 'my skill')
    expect(cpo(cwd, ['--json', 'skill', '--install', dir]).code).toBe(0)
    const mcp = JSON.parse(fs.readFileSync(path.join(dir, '.mcp.json'), 'utf8'))
    expect(mcp.mcpServers.cpo.args).toEqual(['mcp'])
    fs.writeFileSync(path.join(dir, '.mcp.json'), 'mine\n')
    const again = cpo(dir, ['--json', 'skill', '--install', dir])
    expect(again.code).toBe(4)
    expect(again.json.error?.hint).toBe(
      `Overwrite them with \`cpo skill --install "${dir}" --force\`.`,
    )
    expect(fs.readFileSync(path.join(dir, '.mcp.json'), 'utf8')).toBe('mine\n')
    expect(cpo(dir, ['skill', '--install', dir, '--force']).code).toBe(0)
    expect(fs.readFileSync(path.join(dir, '.mcp.json'), 'utf8')).toContain('mcpServers')
  })

  it('completes commands, stage ids, checkpoint names and operation ids from the repository', () => {
    const dir = copyOf(base)
    expect(cpo(dir, ['completion', 'bash']).stdout).toContain('cpo __complete')
    expect(cpo(dir, ['completion', 'zsh']).stdout).toContain('compdef _cpo cpo')
    expect(cpo(dir, ['completion', 'fish']).stdout).toContain('complete -c cpo')
    expect(cpo(dir, ['__complete', 'roll']).stdout).toBe('rollback\n')
    expect(cpo(dir, ['__complete', 'stage', 'start', '']).stdout).toBe('S1\n')
    const op = cpo(dir, ['--json', 'checkpoint', 'create', 'mark']).json.data.result.opId
    expect(cpo(dir, ['__complete', 'checkpoint', 'show', 'ma']).stdout).toBe('mark\n')
    expect(cpo(dir, ['__complete', 'undo', '']).stdout).toContain(op)
    expect(cpo(dir, ['__complete', 'log', '--li']).stdout).toBe('--limit\n')
  })
})
