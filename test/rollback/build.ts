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
export const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8')
export const subject = (dir: string, rev = 'HEAD') =>
  sh(dir, 'git', 'log', '-1', '--format=%s', rev).trim()
export const rev = (dir: string, r: string) => sh(dir, 'git', 'rev-parse', r).trim()
export const lsTree = (dir: string, r: string) => sh(dir, 'git', 'ls-tree', '-r', r)
export const status = (dir: string) => sh(dir, 'git', 'status', '--porcelain')
/** Everything under refs/ (cpo's own refs too) and the journal: what a dry run must not touch. */
export const everything = (dir: string) => ({
  refs: sh(dir, 'git', 'for-each-ref', '--format=%(refname) %(objectname)'),
  journal: fs.existsSync(path.join(dir, '.git/cpo/oplog.jsonl'))
    ? read(dir, '.git/cpo/oplog.jsonl')
    : '',
})

function ok(dir: string, args: string[]) {
  const r = cpo(dir, args)
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r
}

/**
 * The project below, built once per worker (for every test file it runs) through the real CLI
 * (about two dozen cpo and git processes) and copied for each test: every test gets its own
 * repository, the same bytes, refs, journal and snapshots, at a fraction of the cost.
 */
export function builtProject(): string {
  if (!isKept(template)) template = keepForRun(buildProject())
  return copyOf(template)
}

let template: string | undefined

/**
 * A CPO project built the way the workflow builds one, through the real CLI: S1 on
 * `feature/stage-1-setup` merged with --no-ff, then S3 (started and completed), then S2 started
 * with a story commit. S2 and S3 both depend only on S1, so they are parallel; S2 is current.
 */
function buildProject(): string {
  const dir = makeRepo({
    'master-project.json': projectJson(),
    'README.md': '# pantry\n',
    '.gitignore': '*.log\n',
  })
  ok(dir, ['init'])
  sh(dir, 'git', 'checkout', '-q', '-b', 'feature/stage-1-setup')
  ok(dir, ['stage', 'start', 'S1'])
  writeFiles(dir, { 'src/app.ts': 'export const app = 1\n', 'prd.json': prd('S1') })
  commitAll(dir, 'feat(S1-US-001): Scaffold the app')
  ok(dir, ['stage', 'complete', 'S1', '--skip-verify'])
  sh(dir, 'git', 'checkout', '-q', 'main')
  sh(dir, 'git', 'merge', '-q', '--no-ff', '-m', 'merge: Stage S1', 'feature/stage-1-setup')

  ok(dir, ['stage', 'start', 'S3'])
  writeFiles(dir, { 'src/list.ts': 'export const list = []\n', 'prd.json': prd('S3') })
  commitAll(dir, 'feat(S3-US-001): Build the list')
  ok(dir, ['stage', 'complete', 'S3', '--skip-verify'])

  ok(dir, ['stage', 'start', 'S2'])
  writeFiles(dir, {
    'src/recipes.ts': 'export const recipes = ["soup"]\n',
    'prd.json': prd('S2'),
    'progress.md': '## S2 loop\n- US-001 done\n',
  })
  commitAll(dir, 'feat: US-001 - Add a recipe')
  return dir
}

export function prd(stage: string): string {
  return `${JSON.stringify(
    {
      project: 'Pantry Planner',
      branchName: `feature/stage-${stage.slice(1)}`,
      description: `Stage ${stage}`,
      userStories: [
        {
          id: 'US-001',
          title: 'first',
          description: '',
          acceptanceCriteria: [],
          priority: 1,
          passes: true,
          notes: '',
        },
      ],
    },
    null,
    2,
  )}\n`
}

/** Uncommitted and untracked work plus an ignored file, as an agent leaves a tree mid-stage. */
export function workInProgress(dir: string): void {
  writeFiles(dir, {
    'src/recipes.ts': 'export const recipes = ["soup", "stew"] // half done\n',
    'notes.txt': 'ideas for S2\n',
    'debug.log': 'ignored, never touched\n',
  })
}

/**
 * builtProject, then a tracked `config.local` that story S2-US-002 deletes from git (with its
 * own file added): reverting the story brings `config.local` back.
 */
export function storyDeletingConfig(): string {
  const dir = builtProject()
  writeFiles(dir, { 'config.local': 'db=localhost\n' })
  commitAll(dir, 'chore: sample local config')
  sh(dir, 'git', 'rm', '-q', '--', 'config.local')
  writeFiles(dir, { 'src/list-recipes.ts': 'export const listRecipes = () => []\n' })
  commitAll(dir, 'feat(S2-US-002): List recipes, config.local no longer tracked')
  return dir
}
