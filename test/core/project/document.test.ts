import { describe, expect, it } from 'vitest'
import {
  parseProjectDocument,
  projectSchemaProblems,
  serializeProjectDocument,
} from '../../../src/core/project/index.js'
import { type CpoError, isCpoError } from '../../../src/errors.js'
import { FIXTURES, fixture, fixtureText, thrown } from './fixtures.js'

const cpoError = (fn: () => unknown): CpoError => {
  const error = thrown(fn)
  if (!isCpoError(error)) throw new Error(`expected a CpoError, got ${String(error)}`)
  return error
}

describe('parseProjectDocument / serializeProjectDocument', () => {
  it.each(FIXTURES)('round-trips %s byte for byte', (name) => {
    const text = fixtureText(name)
    expect(serializeProjectDocument(parseProjectDocument(text))).toBe(text)
  })

  it('detects 2-space indent and a trailing newline in tool-written files', () => {
    expect(fixture('mid-execution.json').format).toEqual({
      indent: '  ',
      lineEnding: '\n',
      finalNewline: true,
      bom: false,
    })
  })

  it('detects 4-space indent without a trailing newline', () => {
    expect(fixture('four-space-no-newline.json').format).toEqual({
      indent: '    ',
      lineEnding: '\n',
      finalNewline: false,
      bom: false,
    })
  })

  it('keeps tabs, CRLF line endings and a byte order mark', () => {
    const value = JSON.parse(fixtureText('template-after-planning.json'))
    const text = `\uFEFF${JSON.stringify(value, null, '\t').replaceAll('\n', '\r\n')}\r\n`
    const doc = parseProjectDocument(text)
    expect(doc.format).toEqual({ indent: '\t', lineEnding: '\r\n', finalNewline: true, bom: true })
    expect(serializeProjectDocument(doc)).toBe(text)
  })

  it('defaults to 2 spaces when nothing is indented, and writes an unchanged file as it was', () => {
    const doc = parseProjectDocument('{"stages":[]}')
    expect(doc.format.indent).toBe('  ')
    expect(serializeProjectDocument(doc)).toBe('{"stages":[]}')
  })

  it('keeps the parsed value itself: original key order and unknown keys', () => {
    const doc = fixture('mid-execution.json')
    expect(Object.keys(doc.data)).toEqual([
      'project',
      'productDefinition',
      'epics',
      'stages',
      'currentStage',
      'currentPhase',
      'verification',
      'repository',
      'progress',
      'agentNotes',
    ])
    const s2 = doc.data.stages?.[1]
    expect(Object.keys(s2 ?? {}).at(-1)).toBe('qualityGate')
    expect(s2?.qualityGate).toEqual({ coverage: 87.5, lighthouse: null, passed: true })
    expect(doc.data.epics?.[1]?.agentNotes).toBe('S4 waits on design review')
    expect(doc.data.agentNotes).toEqual({ lastSession: '2025-01-15', blockers: [] })
  })

  it('accepts a minimal file and unknown status values', () => {
    const doc = parseProjectDocument('{"stages":[{"id":"S1","status":"waiting_for_human"}]}')
    expect(doc.data.stages?.[0]?.status).toBe('waiting_for_human')
    expect(doc.currentStageShape).toBeUndefined()
  })

  it('remembers the currentStage shape of each file', () => {
    expect(fixture('template-after-planning.json').currentStageShape).toBeUndefined()
    expect(fixture('mid-execution.json').currentStageShape).toEqual({ kind: 'string' })
    expect(fixture('current-stage-object.json').currentStageShape).toEqual({
      kind: 'object',
      keys: ['id', 'name', 'totalStories'],
    })
  })

  it('round-trips unicode: accents, CJK, emoji, escapes and line separators', () => {
    const value = {
      project: { name: 'Café ☕ 日本語 🚀', description: 'tab\there "quoted" \\ back \u2028 sep' },
      stages: [{ id: 'S1', name: 'Ünïcödé 𝄞', stories: [{ id: 'S1-US-001', title: 'ß → ẞ' }] }],
    }
    const text = `${JSON.stringify(value, null, 2)}\n`
    const doc = parseProjectDocument(text)
    expect(doc.data.stages?.[0]?.name).toBe('Ünïcödé 𝄞')
    expect(serializeProjectDocument(doc)).toBe(text)
  })

  it('keeps a "__proto__" key as plain data', () => {
    const text = '{\n  "__proto__": {\n    "x": 1\n  },\n  "stages": []\n}\n'
    const doc = parseProjectDocument(text)
    expect(Object.hasOwn(doc.data, '__proto__')).toBe(true)
    expect(serializeProjectDocument(doc)).toBe(text)
  })
})

describe('corrupt JSON', () => {
  it('names the file, line, column and problem for a missing value', () => {
    const error = cpoError(() =>
      parseProjectDocument(
        '{\n  "currentStage": ,\n  "stages": []\n}\n',
        'proj/master-project.json',
      ),
    )
    expect(error.code).toBe('STATE_FILE_INVALID_JSON')
    expect(error.exitClass).toBe('invalidInput')
    expect(error.message).toBe(
      'proj/master-project.json is not valid JSON at line 2, column 19: expected a value, found ","',
    )
    expect(error.hint).toContain('cpo snapshot restore <id> --paths proj/master-project.json')
    expect(error.details).toMatchObject({ file: 'proj/master-project.json', line: 2, column: 19 })
  })

  it('reports a trailing comma where it ends', () => {
    const text = '{\n  "stages": [\n    {"id": "S1"},\n  ]\n}\n'
    const error = cpoError(() => parseProjectDocument(text))
    expect(error.message).toBe(
      "master-project.json is not valid JSON at line 4, column 3: trailing comma before ']' (not allowed in JSON)",
    )
  })

  it('reports a file cut off mid-write at its end', () => {
    const full = fixtureText('mid-execution.json')
    const text = full.slice(0, full.indexOf('"version"'))
    const error = cpoError(() => parseProjectDocument(text))
    expect(error.message).toBe(
      'master-project.json is not valid JSON at line 5, column 5: expected a property name in double quotes, found end of input',
    )
  })

  it('points an unterminated string at its opening quote', () => {
    const full = fixtureText('mid-execution.json')
    const error = cpoError(() => parseProjectDocument(full.slice(0, 120)))
    expect(error.message).toBe(
      'master-project.json is not valid JSON at line 6, column 5: unterminated string',
    )
  })

  it('reports an empty file', () => {
    const error = cpoError(() => parseProjectDocument(''))
    expect(error.message).toBe(
      'master-project.json is not valid JSON at line 1, column 1: expected a value, found end of input',
    )
  })

  it('reports a merge-conflict marker', () => {
    const text = '{\n<<<<<<< HEAD\n  "currentStage": "S2"\n}\n'
    const error = cpoError(() => parseProjectDocument(text))
    expect(error.message).toBe(
      'master-project.json is not valid JSON at line 2, column 1: expected a property name in double quotes, found "<"',
    )
  })

  it('keeps the parser message in details', () => {
    const error = cpoError(() => parseProjectDocument('{"a" 1}'))
    expect(error.details).toMatchObject({
      parserMessage: expect.stringContaining("Expected ':' after property name"),
    })
  })
})

describe('schema violations', () => {
  it('names the JSON path of the first problem and lists all in details', () => {
    const text = JSON.stringify({
      stages: [{ id: 'S1' }, { id: 'S2', dependsOn: 'S1' }, { id: 3 }],
    })
    const error = cpoError(() => parseProjectDocument(text))
    expect(error.code).toBe('STATE_FILE_INVALID')
    expect(error.exitClass).toBe('invalidInput')
    expect(error.message).toBe(
      'master-project.json is not a valid CPO project file: $.stages[1].dependsOn: expected array, received string (and 1 more problem)',
    )
    expect(error.hint).toContain('cpo snapshot restore <id> --paths master-project.json')
    expect(error.details).toEqual({
      file: 'master-project.json',
      issues: [
        {
          path: '$.stages[1].dependsOn',
          message: 'expected array, received string',
          code: 'invalid_type',
        },
        {
          path: '$.stages[2].id',
          message: 'expected string, received number',
          code: 'invalid_type',
        },
      ],
    })
  })

  it('explains a currentStage of the wrong shape', () => {
    const error = cpoError(() => parseProjectDocument('{"currentStage": {"name": "Auth"}}'))
    expect(error.message).toBe(
      'master-project.json is not a valid CPO project file: $.currentStage: expected null, a stage id string or an object with a string "id"',
    )
  })

  it('rejects a top-level array and non-numeric phases and story flags', () => {
    expect(projectSchemaProblems([])).toEqual([
      { path: '$', message: 'expected object, received array', code: 'invalid_type' },
    ])
    expect(projectSchemaProblems({ currentPhase: '3' }).map((p) => p.path)).toEqual([
      '$.currentPhase',
    ])
    expect(
      projectSchemaProblems({
        stages: [{ id: 'S1', stories: [{ id: 'S1-US-001', passes: 'yes', attempts: 1 }] }],
      }).map((p) => p.path),
    ).toEqual(['$.stages[0].stories[0].passes'])
  })

  it('quotes keys that are not identifiers in paths', () => {
    expect(projectSchemaProblems({ progress: { totalStages: '3' } })[0]?.path).toBe(
      '$.progress.totalStages',
    )
    expect(projectSchemaProblems({ stages: [{ id: 'S1', epicId: 7 }] })[0]?.path).toBe(
      '$.stages[0].epicId',
    )
  })
})
