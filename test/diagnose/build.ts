import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { projectJson } from '../checkpoint/project.js'
import {
  commitAll,
  copyOf,
  cpo,
  isKept,
  keepForRun,
  makeRepo,
  sh,
  writeFiles,
} from '../helpers/repo.js'

export const state = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'master-project.json'), 'utf8'))

export function ok(dir: string, args: string[]) {
  const r = cpo(dir, args)
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}${r.stdout}`).toBe(0)
  return r
}

/** Marks a story passing in the state file (what the agent's loop does). */
export function pass(dir: string, stage: number, story: number): void {
  const s = state(dir)
  s.stages[stage].stories[story].passes = true
  fs.writeFileSync(path.join(dir, 'master-project.json'), `${JSON.stringify(s, null, 2)}\n`)
}

/** The temporary work trees git knows besides the main one, and cpo's registry of them. */
export function worktrees(dir: string): { git: string[]; registry: string[] } {
  const list = sh(dir, 'git', 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length))
    .filter((p) => p !== dir)
  const reg = path.join(dir, '.git/cpo/worktrees')
  return { git: list, registry: fs.existsSync(reg) ? fs.readdirSync(reg) : [] }
}

/**
 * The verification commands: `build` checks every source file parses (`node --check`), `test`
 * runs test/run.js, which checks add() and prints which test file failed.
 */
const VERIFY = {
  build: 'for f in src/*.js; do node --check "$f" || exit 1; done',
  test: 'node test/run.js',
}

const TEST_RUNNER = `const fs = require('node:fs')
let failed = 0
for (const f of fs.readdirSync('test').filter((n) => n.endsWith('.test.js'))) {
  try { require('./' + f) } catch (e) { failed++; console.error('FAIL test/' + f + ': ' + e.message) }
}
if (failed) process.exit(1)
console.log('all tests pass')
`

/**
 * S1 (with its test, stage-1-complete verified by the real commands), then S2 started: the
 * project every scenario here starts from, built once per worker and copied.
 */
export function stageTwoStarted(): string {
  if (!isKept(base)) base = keepForRun(build())
  return copyOf(base)
}
let base: string | undefined

function build(): string {
  const dir = makeRepo({
    'master-project.json': projectJson(VERIFY),
    'README.md': '# calc\n',
    '.gitignore': '*.log\n',
  })
  ok(dir, ['init'])
  ok(dir, ['stage', 'start', 'S1'])
  writeFiles(dir, {
    'src/add.js': 'exports.add = (a, b) => a + b\n',
    'test/run.js': TEST_RUNNER,
    'test/add.test.js':
      "const { add } = require('../src/add.js')\nif (add(2, 2) !== 4) throw new Error('add(2, 2) is ' + add(2, 2))\n",
  })
  commitAll(dir, 'feat(S1-US-001): Scaffold the app')
  pass(dir, 0, 0)
  ok(dir, ['stage', 'complete', 'S1'])
  ok(dir, ['stage', 'start', 'S2'])
  return dir
}
