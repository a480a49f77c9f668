import { describe, expect, it } from 'vitest'
import { checkpointFromTag, mergeCheckpoints } from '../../src/core/checkpoint/collect.js'
import { inferCheckpoints, parseCommitMessage } from '../../src/core/checkpoint/infer.js'
import { parseTagMessage, tagMessage } from '../../src/core/checkpoint/metadata.js'
import { checkpointName, factsFromName } from '../../src/core/checkpoint/names.js'
import { appendableEntry, stageCompleteEntry } from '../../src/core/checkpoint/progress-log.js'
import { withExcludeLine } from '../../src/core/checkpoint/sidecars.js'
import type { LogCommit } from '../../src/core/checkpoint/types.js'

describe('checkpoint names', () => {
  it.each([
    '; rm -rf /',
    '../x',
    'a..b',
    'line\nbreak',
    '-x',
    'has space',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[b',
    'a\\b',
    'x.lock',
    'x/',
    '.hidden',
    'a//b',
    '@',
    'a@{1}',
    '',
    'tab\there',
    'del\x7f',
  ])('refuses %j', (name) => {
    expect(() => checkpointName(name)).toThrow(
      expect.objectContaining({ code: 'INVALID_CHECKPOINT_NAME' }),
    )
  })

  it('accepts ordinary names and strips the namespace', () => {
    expect(checkpointName('before-refactor')).toBe('before-refactor')
    expect(checkpointName('checkpoint/release/1.2')).toBe('release/1.2')
    expect(checkpointName('refs/tags/checkpoint/stage-5.1-start')).toBe('stage-5.1-start')
  })

  it('reads kind, stage and phase from the conventional names', () => {
    expect(factsFromName('stage-5.1-start')).toEqual({ kind: 'stage-start', stageNumber: '5.1' })
    expect(factsFromName('stage-3-complete')).toEqual({ kind: 'stage-complete', stageNumber: '3' })
    expect(factsFromName('phase-4-complete')).toEqual({ kind: 'phase-complete', phase: 4 })
    expect(factsFromName('prod-v7')).toEqual({ kind: 'prod' })
    expect(factsFromName('project-initialized')).toEqual({ kind: 'project-initialized' })
    expect(factsFromName('stage-3-started')).toEqual({ kind: 'user' })
  })
})

describe('tag metadata', () => {
  const meta = {
    v: 1 as const,
    tool: 'cpo' as const,
    kind: 'stage-start' as const,
    name: 'stage-3-start',
    stage: { id: 'S3', name: 'Budgets' },
    phase: 3,
    time: '2025-01-14T09:00:00.000Z',
    branch: 'refs/heads/feature/stage-3-budgets',
    head: 'a'.repeat(40),
    snapshot: 'refs/cpo/snapshots/x',
    version: '0.1.0',
    message: null,
  }

  it('round-trips and keeps a readable subject line', () => {
    const text = tagMessage(meta, 'checkpoint: before Stage 3 - Budgets\nsecond line')
    expect(text.split('\n')[0]).toBe('checkpoint: before Stage 3 - Budgets second line')
    expect(parseTagMessage(text)).toEqual({
      subject: 'checkpoint: before Stage 3 - Budgets second line',
      meta,
    })
  })

  it('treats a hand-made tag as a checkpoint without metadata', () => {
    expect(parseTagMessage('release candidate\n\nnot json\n')).toEqual({
      subject: 'release candidate',
      meta: null,
    })
    const c = checkpointFromTag({
      ref: 'refs/tags/checkpoint/stage-2-complete',
      commit: 'b'.repeat(40),
      date: '2025-01-13T17:00:00+01:00',
      contents: 'done by hand\n',
    })
    expect(c).toEqual({
      name: 'stage-2-complete',
      ref: 'refs/tags/checkpoint/stage-2-complete',
      kind: 'stage-complete',
      inferred: false,
      stage: { number: '2', id: null, name: null },
      phase: null,
      time: '2025-01-13T17:00:00+01:00',
      commit: 'b'.repeat(40),
      branch: null,
      message: 'done by hand',
      snapshot: null,
    })
  })
})

describe('inference from commit messages', () => {
  it.each([
    [
      'checkpoint: before Stage 3 - Budgets',
      { kind: 'stage-start', stageNumber: '3', stageName: 'Budgets', story: null },
    ],
    [
      'checkpoint: after Stage 5.1 - Photos',
      { kind: 'stage-complete', stageNumber: '5.1', stageName: 'Photos', story: null },
    ],
    ['merge: Stage S2', { kind: 'stage-complete', stageNumber: '2', stageName: null, story: null }],
    [
      "Merge branch 'feature/stage-4-reports'",
      { kind: 'stage-complete', stageNumber: '4', stageName: null, story: null },
    ],
    [
      'feat(stage-3): budgets table',
      { kind: 'stage-work', stageNumber: '3', stageName: null, story: null },
    ],
    [
      'fix(stage-03): rounding',
      { kind: 'stage-work', stageNumber: '3', stageName: null, story: null },
    ],
    [
      'feat(S1-US-001): Monorepo',
      { kind: 'story', stageNumber: '1', stageName: null, story: 'S1-US-001' },
    ],
    [
      'feat: US-002 - Sign in',
      { kind: 'story', stageNumber: null, stageName: null, story: 'US-002' },
    ],
  ])('%s', (subject, expected) => {
    expect(parseCommitMessage(subject)).toEqual(expected)
  })

  it('ignores ordinary messages', () => {
    for (const s of ['initial', 'chore: deps', 'feat: add login', 'docs(stage-3): notes']) {
      expect(parseCommitMessage(s)).toBeUndefined()
    }
  })

  const commit = (n: number, subject: string, source = 'refs/heads/main'): LogCommit => ({
    commit: `${n}`.padStart(40, '0'),
    parents: n === 1 ? [] : [`${n - 1}`.padStart(40, '0')],
    time: `2025-01-1${Math.min(n, 9)}T10:00:00.000Z`,
    source,
    subject,
  })

  it('derives stage boundaries when the markers are missing', () => {
    const log = [
      commit(1, 'initial'),
      commit(2, 'feat(stage-1): scaffold'),
      commit(3, 'feat: US-001 - Sign in', 'refs/heads/feature/stage-2-auth'),
      commit(4, 'feat(S2-US-002): Reset password', 'refs/heads/feature/stage-2-auth'),
      commit(5, 'merge: Stage S2'),
    ]
    const found = inferCheckpoints(log, new Set(['1']))
    expect(
      found.map((c) => [c.name, c.kind, c.stage?.number, c.commit.replace(/^0+/, '')]),
    ).toEqual([
      ['stage-1-work-0000000', 'stage-work', '1', '2'],
      ['S2-US-001', 'story', '2', '3'],
      ['S2-US-002', 'story', '2', '4'],
      ['stage-2-complete', 'stage-complete', '2', '5'],
      ['stage-1-start', 'stage-start', '1', '1'],
      ['stage-1-complete', 'stage-complete', '1', '2'],
      ['stage-2-start', 'stage-start', '2', '2'],
    ])
    expect(found.every((c) => c.inferred && c.ref === null)).toBe(true)
    expect(found[1]?.branch).toBe('refs/heads/feature/stage-2-auth')
  })

  it('keeps a reused name on the newest commit and suffixes older ones', () => {
    const log = [
      commit(1, 'initial'),
      commit(2, 'feat(S1-US-001): try'),
      commit(3, 'feat(S1-US-001): again'),
    ]
    expect(inferCheckpoints(log).map((c) => c.name)).toEqual([
      'S1-US-001-0000000',
      'S1-US-001',
      'stage-1-start',
    ])
  })

  it('a tag wins over the checkpoint inferred for it; history order decides', () => {
    const log = [
      commit(1, 'initial'),
      commit(2, 'checkpoint: before Stage 1 - Setup'),
      commit(3, 'feat(stage-1): x'),
    ]
    const inferred = inferCheckpoints(log)
    const tag = checkpointFromTag({
      ref: 'refs/tags/checkpoint/stage-1-start',
      commit: log[1]?.commit as string,
      date: '2025-01-12T10:00:00Z',
      contents: '',
    })
    const merged = mergeCheckpoints(
      [tag],
      inferred,
      log.map((c) => c.commit),
    )
    expect(merged.map((c) => [c.name, c.inferred])).toEqual([
      ['stage-1-start', false],
      ['stage-1-work-0000000', true],
    ])
  })

  describe('merging tags and inferred checkpoints', () => {
    const log = [
      commit(1, 'initial'),
      commit(2, 'checkpoint: before Stage 1 - Setup'),
      commit(3, 'feat(stage-1): x'),
    ]
    const meta = (kind: 'stage-start' | 'user', stage: string | null) =>
      `mine\n\n${JSON.stringify({ tool: 'cpo', kind, time: '2025-01-12T10:00:00Z', ...(stage ? { stage: { id: stage, name: 'Setup' } } : {}) })}\n`
    const tagOn = (name: string, at: number, contents: string) =>
      checkpointFromTag({
        ref: `refs/tags/checkpoint/${name}`,
        commit: log[at]?.commit as string,
        date: '2025-01-12T10:00:00Z',
        contents,
      })
    const names = (tags: ReturnType<typeof tagOn>[]) =>
      mergeCheckpoints(
        tags,
        inferCheckpoints(log),
        log.map((c) => c.commit),
      ).map((c) => c.name)

    it('drops an inferred checkpoint a tag of another name stands for: same kind, stage, commit', () => {
      expect(names([])).toContain('stage-1-start')
      expect(names([tagOn('before-setup', 1, meta('stage-start', 'S1'))])).not.toContain(
        'stage-1-start',
      )
      // Another commit, another kind or another stage stands for something else.
      for (const tag of [
        tagOn('before-setup', 2, meta('stage-start', 'S1')),
        tagOn('before-setup', 1, meta('user', null)),
        tagOn('before-setup', 1, meta('stage-start', 'S2')),
      ]) {
        expect(names([tag])).toEqual(expect.arrayContaining(['stage-1-start', 'before-setup']))
      }
    })
  })
})

describe('progress log and exclude file', () => {
  it('formats the entry like the workflow does', () => {
    const entry = stageCompleteEntry({
      time: '2025-01-11T14:30:00.000Z',
      stageId: 'S1',
      stageName: 'Setup & CI',
      tag: 'checkpoint/stage-1-complete',
      verification: [{ name: 'test', command: 'npm test' }],
      verificationSkipped: false,
      stories: { passing: 2, total: 2 },
    })
    expect(entry).toBe(
      '### 2025-01-11 - Stage S1: Setup & CI COMPLETE\n\n- Completed: 2025-01-11T14:30:00.000Z\n- Stories passing: 2/2\n- Verification: test `npm test`\n- Checkpoint: `checkpoint/stage-1-complete`\n',
    )
    expect(appendableEntry(undefined, 'E\n')).toBe('# Progress Log\n\nE\n')
    expect(appendableEntry('# Log\n', 'E\n')).toBe('\nE\n')
    expect(appendableEntry('# Log', 'E\n')).toBe('\n\nE\n')
  })

  it('adds the exclude line once', () => {
    expect(withExcludeLine('')).toBe('/.checkpoints/\n')
    expect(withExcludeLine('# git ls-files --others\n*.log')).toBe(
      '# git ls-files --others\n*.log\n/.checkpoints/\n',
    )
    expect(withExcludeLine('/.checkpoints/\n')).toBeUndefined()
    expect(withExcludeLine('.checkpoints\n')).toBeUndefined()
  })
})
