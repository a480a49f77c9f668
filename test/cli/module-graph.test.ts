import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { cpo, fingerprint, keep, tempDir } from '../helpers/repo.js'
import { builtProject } from '../rollback/build.js'

// What the commands load (ARCHITECTURE.md §20, §30, §33): the built CLI runs with a loader
// hook that records every module it loads; the packages bundled into each loaded dist/ file are
// read from its source map, so the test sees zod inside a chunk as well as a separate file.
const HEAVY = [
  'zod',
  '@aws-sdk/client-s3',
  '@aws-sdk/lib-storage',
  '@modelcontextprotocol/server',
  '@pgkit/migra',
  'age-encryption',
  'smol-toml',
  'yaml',
]

let hookDir: string
beforeAll(() => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/cli.js'))) {
    throw new Error('build first: node scripts/build.mjs')
  }
  hookDir = keep(tempDir('cpo-modgraph-'))
  fs.writeFileSync(
    path.join(hookDir, 'hooks.mjs'),
    [
      "import { appendFileSync } from 'node:fs'",
      'export async function load(url, context, next) {',
      '  const r = await next(url, context)',
      "  appendFileSync(process.env.CPO_TEST_LOADED, url + '\\n')",
      '  return r',
      '}',
      '',
    ].join('\n'),
  )
  fs.writeFileSync(
    path.join(hookDir, 'register.mjs'),
    "import { register } from 'node:module'\nregister('./hooks.mjs', import.meta.url)\n",
  )
})

/** The packages (node_modules names) whose code the run loaded, and how many dist/ files. */
function loadedBy(dir: string, args: string[]) {
  const out = path.join(hookDir, `loaded-${Math.random().toString(36).slice(2)}.txt`)
  const r = cpo(dir, args, {
    NODE_OPTIONS: `--import=${pathToFileURL(path.join(hookDir, 'register.mjs')).href}`,
    CPO_TEST_LOADED: out,
  })
  const urls = fs.readFileSync(out, 'utf8').split('\n').filter(Boolean)
  const packages = new Set<string>()
  let distFiles = 0
  for (const url of urls) {
    if (!url.startsWith('file:') || !url.includes('/dist/')) continue
    distFiles++
    const map = JSON.parse(fs.readFileSync(`${new URL(url).pathname}.map`, 'utf8'))
    for (const source of map.sources as string[]) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)
      if (m?.[1]) packages.add(m[1])
    }
  }
  return { r, packages, distFiles }
}

const heavyIn = (packages: Set<string>) => HEAVY.filter((p) => packages.has(p))

describe('commands load no heavy module for a valid state file', () => {
  it('status, checkpoint list and rollback --dry-run: no zod, SDK, parser or migra', () => {
    const dir = builtProject()
    const before = fingerprint(dir)
    for (const args of [
      ['--json', 'status'],
      ['--json', 'checkpoint', 'list'],
      ['checkpoint', 'list'],
      ['--json', 'rollback', 'stage', '--dry-run'],
      ['--json', 'rollback', 'to', 'stage-1-start', '--dry-run'],
    ]) {
      const { r, packages, distFiles } = loadedBy(dir, args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
      // The recorder saw the bundle (commander is in every run), so an empty list cannot pass.
      expect(distFiles, args.join(' ')).toBeGreaterThan(3)
      expect(packages.has('commander'), args.join(' ')).toBe(true)
      expect(heavyIn(packages), args.join(' ')).toEqual([])
    }
    const { r } = loadedBy(dir, ['--json', 'rollback', 'stage', '--dry-run'])
    expect(r.json.data.dryRun).toBe(true)
    expect(fingerprint(dir)).toEqual(before) // dry runs changed nothing
  })

  it('a state file the plain checks refuse loads the schema, for its exact message', () => {
    const dir = builtProject()
    const file = path.join(dir, 'master-project.json')
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
    doc.stages[0].id = 7
    fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`)

    const status = loadedBy(dir, ['--json', 'status'])
    expect(status.r.code, status.r.stderr).toBe(5)
    expect(status.packages.has('zod')).toBe(true)
    expect(status.r.json.error).toMatchObject({ code: 'STATE_FILE_INVALID' })
    expect(status.r.json.error?.message).toContain('$.stages[0].id: expected string')

    const rollback = loadedBy(dir, ['--json', 'rollback', 'stage', '--dry-run'])
    expect(rollback.r.code, rollback.r.stderr).toBe(5)
    expect(rollback.packages.has('zod')).toBe(true)
    expect(rollback.r.json.error?.message).toContain('$.stages[0].id: expected string')

    const list = loadedBy(dir, ['--json', 'checkpoint', 'list'])
    expect(list.r.code, list.r.stderr).toBe(0)
    expect(list.packages.has('zod')).toBe(true)
    expect(list.r.json.data.warnings[0]).toMatchObject({ code: 'STATE_FILE_INVALID' })
    expect(list.r.json.data.warnings[0].message).toContain('$.stages[0].id: expected string')
  })

  it('commands that write the state load no zod for a valid one, and the schema for a refused one', () => {
    const dir = builtProject()
    const { r, packages } = loadedBy(dir, ['--json', 'rollback', 'stage', '--reason', 'graph'])
    expect(r.code, r.stderr).toBe(0)
    expect(heavyIn(packages)).toEqual([])
    expect(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8')).toContain('"S2"')
    const start = loadedBy(dir, ['--json', 'stage', 'start'])
    expect(start.r.code, start.r.stderr).toBe(0)
    expect(heavyIn(start.packages)).toEqual([])
    const started = JSON.parse(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8'))
    const id = start.r.json.data.stage.id
    expect(started.stages.find((s: { id: string }) => s.id === id).status).toBe('in_progress')

    const file = path.join(dir, 'master-project.json')
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
    doc.stages[0].id = 7
    fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`)
    const before = fingerprint(dir)
    const refused = loadedBy(dir, ['--json', 'stage', 'complete', id, '--skip-verify'])
    expect(refused.r.code, refused.r.stderr).toBe(5)
    expect(refused.packages.has('zod')).toBe(true)
    expect(refused.r.json.error).toMatchObject({ code: 'STATE_FILE_INVALID' })
    expect(refused.r.json.error?.message).toContain('$.stages[0].id: expected string')
    expect(fingerprint(dir)).toEqual(before)
  })
})
