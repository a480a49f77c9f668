import { describe, expect, it } from 'vitest'
import { detectJsonFormat, editedJson } from '../../../src/core/project/index.js'

const edit = (text: string, change: (v: any) => void): string => {
  const value = JSON.parse(text.replace(/^\uFEFF/, ''))
  change(value)
  return editedJson(text, value, detectJsonFormat(text))
}

describe('editedJson: only the changed values are edited in place', () => {
  it('replaces a value inside a one-line object and a compact array', () => {
    const text =
      '{\n  "stories": [{"id": "A", "passes": false}, {"id": "B", "passes": false}],\n  "dependsOn": ["S1"]\n}\n'
    expect(
      edit(text, (v) => {
        v.stories[1].passes = true
        v.dependsOn.push('S2')
      }),
    ).toBe(
      '{\n  "stories": [{"id": "A", "passes": false}, {"id": "B", "passes": true}],\n  "dependsOn": ["S1", "S2"]\n}\n',
    )
  })

  it('adds a key where JSON.stringify would put it, in the layout of its object', () => {
    const text = '{\n    "a": {"x": 1},\n    "b": 2\n}'
    expect(
      edit(text, (v) => {
        v.a.y = null
        v.c = { d: [1] }
      }),
    ).toBe(
      '{\n    "a": {"x": 1, "y": null},\n    "b": 2,\n    "c": {\n        "d": [\n            1\n        ]\n    }\n}',
    )
  })

  it('removes a key with its separator, first, middle or only', () => {
    const text = '{\n  "a": 1,\n  "b": {"only": true},\n  "c": 3\n}\n'
    expect(
      edit(text, (v) => {
        delete v.a
        delete v.b.only
      }),
    ).toBe('{\n  "b": {},\n  "c": 3\n}\n')
  })

  it('keeps CRLF and a byte order mark, and writes a null that becomes an object expanded', () => {
    const text = '\uFEFF{\r\n\t"currentStage": null,\r\n\t"n": 1\r\n}\r\n'
    expect(edit(text, (v) => (v.currentStage = { id: 'S1' }))).toBe(
      '\uFEFF{\r\n\t"currentStage": {\r\n\t\t"id": "S1"\r\n\t},\r\n\t"n": 1\r\n}\r\n',
    )
  })

  it('falls back to the whole value when keys were reordered', () => {
    const text = '{"a": 1, "b": 2}'
    const value = { b: 2, a: 1 }
    expect(editedJson(text, value, detectJsonFormat(text))).toBe('{\n  "b": 2,\n  "a": 1\n}')
  })
})
