import { describe, expect, it } from 'vitest'
import { commitAll, sh, writeFiles } from '../helpers/repo.js'
import { countStory, fixtureText, markPassing, ok, prdJson, read, skillRepo } from './skill.js'

/*
 * The layouts the skill's files really have, written back by stage start, stage complete and
 * the rollbacks: every line that changes must differ from its old self in the values of the
 * keys that changed and nothing else; every other byte stays.
 */

const one = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(one).join(', ')}]`
    : typeof v === 'object' && v !== null
      ? `{${Object.entries(v)
          .map(([k, x]) => `${JSON.stringify(k)}: ${one(x)}`)
          .join(', ')}}`
      : JSON.stringify(v)

/** Hand-edited layout: arrays of plain values on one line, each story object on one line. */
function skillLayout(v: unknown, indent = '', inStories = false): string {
  const next = `${indent}  `
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object' || x === null)) return one(v)
    return `[\n${v.map((x) => next + skillLayout(x, next, inStories)).join(',\n')}\n${indent}]`
  }
  if (typeof v === 'object' && v !== null) {
    if (inStories) return one(v)
    const entries = Object.entries(v).map(
      ([k, x]) => `${next}${JSON.stringify(k)}: ${skillLayout(x, next, k === 'stories')}`,
    )
    return `{\n${entries.join(',\n')}\n${indent}}`
  }
  return JSON.stringify(v)
}

const TOKEN = /"(\w+)": ("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)/g

/** The keys whose values differ, line by line; fails when anything else differs. */
function changedKeys(before: string, after: string): string[] {
  const a = before.split('\n')
  const b = after.split('\n')
  expect(b.length, 'the number of lines').toBe(a.length)
  const keys: string[] = []
  a.forEach((line, i) => {
    const other = b[i] as string
    if (line === other) return
    expect(other.replace(TOKEN, '"$1": _')).toBe(line.replace(TOKEN, '"$1": _'))
    const was = [...line.matchAll(TOKEN)]
    const now = [...other.matchAll(TOKEN)]
    was.forEach((m, j) => {
      if (now[j]?.[2] !== m[2]) keys.push(m[1] as string)
    })
  })
  return keys
}

interface Layout {
  name: string
  text: string
  stage: string
  story: string
  /** The keys whose values each step changes, in file order. */
  changes: Record<string, string[]>
}

// The template's S1 is pending in epic E1 (pending too), currentStage null.
const TEMPLATE_CHANGES = {
  start: ['status', 'status', 'startedAt', 'currentStage'],
  'rollback story': ['passes', 'completedAt', 'completedStories'],
  complete: ['status', 'completedAt', 'testedAt', 'completedStages'],
  'rollback stage': [
    ...['status', 'status', 'passes', 'completedAt', 'startedAt', 'completedAt', 'testedAt'],
    ...['currentStage', 'completedStages', 'completedStories'],
  ],
}

const template = JSON.parse(fixtureText('template-after-planning.json'))
const LAYOUTS: Layout[] = [
  {
    name: 'compact arrays and one-line stories',
    text: `${skillLayout(template)}\n`,
    stage: 'S1',
    story: 'S1-US-001',
    changes: TEMPLATE_CHANGES,
  },
  {
    // S2 is already in progress here (no tag yet), and completing it completes epic E1.
    name: 'four spaces, no final newline',
    text: fixtureText('four-space-no-newline.json'),
    stage: 'S2',
    story: 'S2-US-001',
    changes: {
      start: ['startedAt'],
      'rollback story': ['passes', 'completedAt', 'completedStories'],
      complete: [
        'status',
        'status',
        'completedAt',
        'testedAt',
        'completedEpics',
        'completedStages',
      ],
      'rollback stage': [
        ...['status', 'status', 'passes', 'completedAt', 'startedAt', 'completedAt', 'testedAt'],
        ...['currentStage', 'completedEpics', 'completedStages', 'completedStories'],
      ],
    },
  },
  {
    name: 'CRLF with a byte order mark',
    text: `\uFEFF${fixtureText('template-after-planning.json').replaceAll('\n', '\r\n')}`,
    stage: 'S1',
    story: 'S1-US-001',
    changes: TEMPLATE_CHANGES,
  },
]

describe('state writes keep the file exactly as it was laid out', () => {
  it.each(LAYOUTS)('$name: stage start, story rollback, stage complete, stage rollback', (l) => {
    // CRLF in the file: git must keep the bytes as they are.
    const dir = skillRepo(l.text, {
      'prd.json': prdJson(['US-001']),
      '.gitattributes': '* -text\n',
    })
    const project = () => read(dir, 'master-project.json')
    const steps: Record<string, string[]> = {}
    let last = project()
    const step = (name: string) => {
      const now = project()
      steps[name] = changedKeys(last, now)
      last = now
    }
    const story = () => {
      writeFiles(dir, {
        'src/app.ts': `export const app = ${Math.random()}\n`,
        'master-project.json': countStory(markPassing(project(), l.story)),
      })
      commitAll(dir, `feat(${l.story}): the story`)
      last = project()
    }

    ok(dir, ['stage', 'start', l.stage])
    step('start')
    story()
    ok(dir, ['rollback', 'story', l.story, '--reason', 'redo'])
    step('rollback story')
    story()
    ok(dir, ['stage', 'complete', l.stage, '--skip-verify'])
    step('complete')
    ok(dir, ['rollback', 'stage', l.stage, '--reason', 'again'])
    step('rollback stage')

    const text = project()
    expect(text.startsWith('\uFEFF')).toBe(l.text.startsWith('\uFEFF'))
    expect(text.endsWith('\n')).toBe(l.text.endsWith('\n'))
    if (l.text.includes('\r\n')) expect(text.replaceAll('\r\n', '')).not.toContain('\n')
    expect(sh(dir, 'git', 'show', 'HEAD:master-project.json')).toBe(text)
    expect(steps).toEqual(l.changes)
  })
})
