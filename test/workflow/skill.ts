import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { commitAll, copyOf, cpo, isKept, keep, makeRepo, sh, writeFiles } from '../helpers/repo.js'

/*
 * The CPO workflow as an agent following the skill runs it: the project file from the skill's
 * templates (test/fixtures/projects/), `cpo stage start`, then one `git add -A` commit per story
 * that also flips the story's own `passes` flag in master-project.json and prd.json.
 */

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/projects')
export const fixtureText = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8')

export const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8')
export const state = (dir: string) => JSON.parse(read(dir, 'master-project.json'))
export const subject = (dir: string, rev = 'HEAD') =>
  sh(dir, 'git', 'log', '-1', '--format=%s', rev).trim()
export const rev = (dir: string, r: string) => sh(dir, 'git', 'rev-parse', r).trim()
export const status = (dir: string) => sh(dir, 'git', 'status', '--porcelain')

export function ok(dir: string, args: string[]) {
  const r = cpo(dir, args)
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r
}

/** A prd.json as the skill's loop writes it for one stage. */
export function prdJson(stories: string[]): string {
  const value = {
    project: 'Pantry Planner',
    branchName: 'feature/stage-1-setup',
    description: 'Stage S1',
    userStories: stories.map((id, i) => ({
      id,
      title: `story ${i + 1}`,
      description: '',
      acceptanceCriteria: ['works'],
      priority: i + 1,
      passes: false,
      notes: '',
      completedAt: null,
    })),
  }
  return `${JSON.stringify(value, null, 2)}\n`
}

/**
 * What an agent does to mark a story done: edits the flag in place (the first `"passes": false`
 * and `"completedAt": null` after the story's id), whatever the file's layout.
 */
export function markPassing(text: string, id: string, time = '2025-03-03T10:00:00.000Z'): string {
  const at = text.indexOf(`"id": "${id}"`)
  if (at < 0) throw new Error(`no story ${id}`)
  const head = text.slice(0, at)
  const rest = text
    .slice(at)
    .replace('"passes": false', '"passes": true')
    .replace('"completedAt": null', `"completedAt": "${time}"`)
  return head + rest
}

/** The skill's loop also counts the story in `progress.completedStories`. */
export const countStory = (text: string): string =>
  text.replace(/"completedStories": (\d+)/, (_, n) => `"completedStories": ${Number(n) + 1}`)

/** One story commit the way agents make it: code, both state files, `git add -A`. */
export function storyCommit(
  dir: string,
  story: { id: string; prdId: string; message: string; files: Record<string, string> },
): string {
  writeFiles(dir, {
    ...story.files,
    'master-project.json': countStory(markPassing(read(dir, 'master-project.json'), story.id)),
    'prd.json': markPassing(read(dir, 'prd.json'), story.prdId),
  })
  return commitAll(dir, story.message)
}

/** A repository holding `projectText` as master-project.json, `cpo init` run. */
export function skillRepo(projectText: string, extra: Record<string, string> = {}): string {
  const dir = makeRepo({
    'master-project.json': projectText,
    'README.md': '# pantry\n',
    ...extra,
  })
  ok(dir, ['init'])
  return dir
}

let built: string | undefined

/**
 * template-after-planning.json, S1 started, then both S1 stories committed by the agent, each
 * flipping its own flags: built once per test file, copied for each test.
 */
export function twoStories(): string {
  if (!isKept(built)) built = keep(buildTwoStories())
  return copyOf(built)
}

function buildTwoStories(): string {
  const dir = skillRepo(fixtureText('template-after-planning.json'), {
    'prd.json': prdJson(['US-001', 'US-002']),
  })
  ok(dir, ['stage', 'start', 'S1'])
  storyCommit(dir, {
    id: 'S1-US-001',
    prdId: 'US-001',
    message: 'feat(S1-US-001): Scaffold the app',
    files: { 'src/app.ts': 'export const app = 1\n' },
  })
  storyCommit(dir, {
    id: 'S1-US-002',
    prdId: 'US-002',
    message: 'feat(S1-US-002): Add CI',
    files: { 'src/ci.ts': 'export const ci = true\n' },
  })
  return dir
}
