import { findNodeAtLocation, type Node, parseTree } from 'jsonc-parser/lib/esm/main.js'
import type { JsonFormat } from './json-format.js'

/*
 * Format-preserving JSON edits (ARCHITECTURE.md §6: cpo writes back only what it changes). The
 * old and the new value are compared, and each difference becomes one edit of the text in
 * place: a changed value is replaced where it stands, a new key goes after the object's last
 * one (where JSON.stringify puts it), a removed key takes its separator with it. Everything
 * else — compact arrays, one-line objects, blank lines, indentation — stays byte for byte.
 * jsonc-parser finds the nodes; its own formatter is not used, because it re-flows the whole
 * line around an insertion (a one-line story object would be expanded).
 */

type Segment = string | number
type Change =
  | { kind: 'set'; path: Segment[]; value: unknown }
  | { kind: 'remove'; path: Segment[] }
  | { kind: 'add'; path: Segment[]; key: string | null; value: unknown }

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** A key JSON.stringify writes: present, and not undefined. */
const has = (o: Record<string, unknown>, key: string): boolean =>
  Object.hasOwn(o, key) && o[key] !== undefined

/** The differences from `a` to `b`, in an order where each edit keeps the next one's path valid. */
function changesBetween(a: unknown, b: unknown, path: Segment[], out: Change[]): void {
  if (same(a, b)) return
  if (isObject(a) && isObject(b)) {
    for (const key of Object.keys(a)) {
      if (!has(b, key)) out.push({ kind: 'remove', path: [...path, key] })
    }
    for (const key of Object.keys(a)) {
      if (has(b, key)) changesBetween(a[key], b[key], [...path, key], out)
    }
    for (const key of Object.keys(b)) {
      if (!has(a, key) && has(b, key)) out.push({ kind: 'add', path, key, value: b[key] })
    }
    return
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const common = Math.min(a.length, b.length)
    for (let i = 0; i < common; i++) changesBetween(a[i], b[i], [...path, i], out)
    for (let i = a.length - 1; i >= b.length; i--) out.push({ kind: 'remove', path: [...path, i] })
    for (let i = a.length; i < b.length; i++) {
      out.push({ kind: 'add', path, key: null, value: b[i] })
    }
    return
  }
  out.push({ kind: 'set', path, value: b })
}

const lineStart = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1

/** The whitespace the line holding `offset` starts with. */
const indentAt = (text: string, offset: number): string =>
  /^[ \t]*/.exec(text.slice(lineStart(text, offset)))?.[0] ?? ''

const spans = (text: string, node: Node): string =>
  text.slice(node.offset, node.offset + node.length)
const multiline = (text: string, node: Node | undefined): boolean =>
  node === undefined || spans(text, node).includes('\n')

/** One line, the way hand-written compact JSON usually reads: `{"id": "S1", "deps": ["S0"]}`. */
function compact(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(compact).join(', ')}]`
  if (isObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${compact(v)}`).join(', ')}}`
  }
  return JSON.stringify(value)
}

/** JSON.stringify layout, continuation lines indented from `indent`. */
function pretty(value: unknown, indent: string, format: JsonFormat): string {
  return JSON.stringify(value, null, format.indent)
    .split('\n')
    .join(`${format.lineEnding}${indent}`)
}

/** A value written where `context` (its container) is: expanded in an expanded container. */
const rendered = (value: unknown, expanded: boolean, indent: string, format: JsonFormat) =>
  expanded ? pretty(value, indent, format) : compact(value)

interface Edit {
  offset: number
  length: number
  content: string
}

function editFor(text: string, root: Node, change: Change, format: JsonFormat): Edit | undefined {
  if (change.kind === 'set') {
    const node = findNodeAtLocation(root, change.path)
    if (node === undefined) return undefined
    const container = node.parent?.type === 'property' ? node.parent.parent : node.parent
    const expanded =
      node.type === 'object' || node.type === 'array'
        ? multiline(text, node) ||
          (container !== undefined && isEmptyContainer(node) && multiline(text, container))
        : multiline(text, container)
    return {
      offset: node.offset,
      length: node.length,
      content: rendered(change.value, expanded, indentAt(text, node.offset), format),
    }
  }
  if (change.kind === 'remove') {
    const node = findNodeAtLocation(root, change.path)
    const item = node?.parent?.type === 'property' ? node.parent : node
    const parent = item?.parent
    if (item === undefined || parent?.children === undefined) return undefined
    const siblings = parent.children
    const at = siblings.indexOf(item)
    const end = item.offset + item.length
    const previous = siblings[at - 1]
    const next = siblings[at + 1]
    if (previous !== undefined) {
      const from = previous.offset + previous.length
      return { offset: from, length: end - from, content: '' }
    }
    if (next !== undefined)
      return { offset: item.offset, length: next.offset - item.offset, content: '' }
    return { offset: parent.offset + 1, length: parent.length - 2, content: '' }
  }
  const parent = findNodeAtLocation(root, change.path)
  if (parent === undefined || parent.children === undefined) return undefined
  const key = change.key === null ? '' : `${JSON.stringify(change.key)}: `
  const last = parent.children.at(-1)
  if (last === undefined) {
    // An empty container gets its first entry: written whole, as for a changed value.
    const whole = change.key === null ? [change.value] : { [change.key]: change.value }
    const container = parent.parent?.type === 'property' ? parent.parent.parent : parent.parent
    const expanded = container === undefined || multiline(text, container)
    return {
      offset: parent.offset,
      length: parent.length,
      content: rendered(whole, expanded, indentAt(text, parent.offset), format),
    }
  }
  const expanded = text.slice(parent.offset, last.offset).includes('\n')
  const indent = indentAt(text, last.offset)
  const value = rendered(change.value, expanded, indent, format)
  const separator = expanded ? `,${format.lineEnding}${indent}` : ', '
  return { offset: last.offset + last.length, length: 0, content: `${separator}${key}${value}` }
}

const isEmptyContainer = (node: Node): boolean => (node.children?.length ?? 0) === 0

/** A value whose text is the same wherever it is written (no layout, no line break). */
const isScalar = (value: unknown): boolean => value === null || typeof value !== 'object'

interface Planned extends Edit {
  /** The text the edit replaces: its line breaks can change the layout of what is around it. */
  old: string
  /** Order of the change, for edits at the same offset (inserts into one parent, in order). */
  order: number
}

/** Line breaks an edit takes away and adds. */
const breaks = (edit: Planned) => ({
  removes: edit.old.includes('\n'),
  adds: edit.content.includes('\n'),
})

/**
 * Whether the line-break test over [from, to) (true when `original` had one) could give another
 * answer once `edits` (any that touch the range, other than `self`) are applied: only an edit
 * taking a break away can turn true into false, only one adding a break false into true.
 */
function breakTestStable(
  edits: readonly Planned[],
  from: number,
  to: number,
  original: boolean,
  self?: Planned,
): boolean {
  for (const edit of edits) {
    if (edit === self) continue
    if (edit.offset + edit.length < from || edit.offset > to) continue
    const b = breaks(edit)
    if (original ? b.removes : b.adds) return false
  }
  return true
}

/** The leading whitespace of the line holding `offset` stays as it is under `edits`. */
function indentStable(
  edits: readonly Planned[],
  text: string,
  offset: number,
  self?: Planned,
): boolean {
  const from = lineStart(text, offset)
  for (const edit of edits) {
    if (edit === self) continue
    if (edit.offset + edit.length < from || edit.offset > offset) continue
    const b = breaks(edit)
    if (b.removes || b.adds) return false
  }
  return true
}

interface Context {
  /** A layout test the sequential edit made: [from, to) holds a line break (`has`). */
  breakTests: { from: number; to: number; has: boolean }[]
  /** Offsets whose line's indentation the sequential edit read. */
  indents: number[]
}

const NO_CONTEXT: Context = { breakTests: [], indents: [] }

/**
 * One pass (ARCHITECTURE.md §6): every change becomes an edit of the text parsed once, applied together. The result
 * is byte-identical to editing the text change by change (`sequentialEdit`, re-parsing after
 * each) because an edit is only planned here when what it reads of the text — the node's place,
 * its siblings, the line breaks of its container, its line's indentation — is the same before
 * and after the edits planned before it; any other change list is left to `sequentialEdit`.
 */
function onePassEdit(
  text: string,
  changes: readonly Change[],
  format: JsonFormat,
): string | undefined {
  const root = parseTree(text)
  if (root === undefined) return undefined
  const planned: Planned[] = []
  const contexts = new Map<Planned, Context>()
  const plan = (edit: Edit, order: number, context: Context): Planned => {
    const p: Planned = { ...edit, old: text.slice(edit.offset, edit.offset + edit.length), order }
    planned.push(p)
    contexts.set(p, context)
    return p
  }
  // Removes grouped by parent, then turned into the ranges the sequential removes add up to.
  const removals = new Map<Node, Set<Node>>()
  // Parents that get entries added, and how many.
  const adds = new Map<Node, number>()
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i] as Change
    if (change.kind === 'remove') {
      const node = findNodeAtLocation(root, change.path)
      const item = node?.parent?.type === 'property' ? node.parent : node
      const parent = item?.parent
      if (item === undefined || parent?.children === undefined) return undefined
      let set = removals.get(parent)
      if (set === undefined) {
        set = new Set()
        removals.set(parent, set)
      }
      set.add(item)
      continue
    }
    if (change.kind === 'add') {
      const parent = findNodeAtLocation(root, change.path)
      if (parent?.children === undefined) return undefined
      adds.set(parent, (adds.get(parent) ?? 0) + 1)
    }
  }
  for (const [parent, removed] of removals) {
    if (adds.has(parent)) return undefined
    const children = parent.children as Node[]
    if (parent.type === 'object' && !uniqueKeys(children)) return undefined
    if (removed.size === children.length) {
      plan({ offset: parent.offset + 1, length: parent.length - 2, content: '' }, -1, NO_CONTEXT)
      continue
    }
    // A run of removed siblings goes with the separator before it (after the survivor before
    // it), or, at the start, up to the survivor after it — what removing them one by one does.
    let i = 0
    while (i < children.length) {
      if (!removed.has(children[i] as Node)) {
        i++
        continue
      }
      let j = i
      while (j + 1 < children.length && removed.has(children[j + 1] as Node)) j++
      const first = children[i] as Node
      const last = children[j] as Node
      const previous = children[i - 1]
      const next = children[j + 1]
      if (previous !== undefined) {
        const from = previous.offset + previous.length
        plan(
          { offset: from, length: last.offset + last.length - from, content: '' },
          -1,
          NO_CONTEXT,
        )
      } else if (next !== undefined) {
        plan(
          { offset: first.offset, length: next.offset - first.offset, content: '' },
          -1,
          NO_CONTEXT,
        )
      }
      i = j + 1
    }
  }
  const addsDone = new Set<Node>()
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i] as Change
    if (change.kind === 'remove') continue
    if (change.kind === 'set') {
      const node = findNodeAtLocation(root, change.path)
      if (node === undefined) return undefined
      if (isScalar(change.value)) {
        plan(
          { offset: node.offset, length: node.length, content: JSON.stringify(change.value) },
          i,
          NO_CONTEXT,
        )
        continue
      }
      const edit = editFor(text, root, change, format)
      if (edit === undefined) return undefined
      const container = node.parent?.type === 'property' ? node.parent.parent : node.parent
      // The node's own text is not edited by any other change (none lies under a replaced value).
      const breakTests: Context['breakTests'] = []
      if (container !== undefined) {
        const to = container.offset + container.length
        breakTests.push({ from: container.offset, to, has: multiline(text, container) })
      }
      plan(edit, i, { breakTests, indents: [node.offset] })
      continue
    }
    const parent = findNodeAtLocation(root, change.path)
    if (parent?.children === undefined) return undefined
    const count = adds.get(parent) ?? 0
    const last = parent.children.at(-1)
    if (last === undefined) {
      // The first entry of an empty container is written whole; a second one would be placed
      // after it, on a layout only the re-parse knows.
      if (count > 1) return undefined
      const edit = editFor(text, root, change, format)
      if (edit === undefined) return undefined
      const container = parent.parent?.type === 'property' ? parent.parent.parent : parent.parent
      const breakTests: Context['breakTests'] =
        container === undefined
          ? []
          : [
              {
                from: container.offset,
                to: container.offset + container.length,
                has: multiline(text, container),
              },
            ]
      plan(edit, i, { breakTests, indents: [parent.offset] })
      continue
    }
    const edit = editFor(text, root, change, format)
    if (edit === undefined) return undefined
    const expanded = text.slice(parent.offset, last.offset).includes('\n')
    const done = addsDone.has(parent)
    // After a compact insertion the next one's layout test also covers the last entry's text.
    if (done && !expanded && multiline(text, last)) return undefined
    addsDone.add(parent)
    const extra: Context['breakTests'] =
      !done || expanded ? [] : [{ from: last.offset, to: last.offset + last.length, has: false }]
    plan(edit, i, {
      breakTests: [{ from: parent.offset, to: last.offset, has: expanded }, ...extra],
      indents: [last.offset],
    })
  }
  for (const edit of planned) {
    const context = contexts.get(edit) ?? NO_CONTEXT
    for (const test of context.breakTests) {
      if (!breakTestStable(planned, test.from, test.to, test.has, edit)) return undefined
    }
    for (const offset of context.indents) {
      if (!indentStable(planned, text, offset, edit)) return undefined
    }
  }
  planned.sort((a, b) => a.offset - b.offset || a.order - b.order)
  const parts: string[] = []
  let at = 0
  for (const edit of planned) {
    if (edit.offset < at) return undefined
    parts.push(text.slice(at, edit.offset), edit.content)
    at = edit.offset + edit.length
  }
  parts.push(text.slice(at))
  return parts.join('')
}

const uniqueKeys = (properties: readonly Node[]): boolean => {
  const keys = new Set<unknown>()
  for (const property of properties) keys.add(property.children?.[0]?.value)
  return keys.size === properties.length
}

/** The changes applied one at a time, the text re-parsed after each (the reference). */
function sequentialEdit(
  text: string,
  changes: readonly Change[],
  format: JsonFormat,
): string | undefined {
  let out = text
  for (const change of changes) {
    const root = parseTree(out)
    if (root === undefined) return undefined
    const edit = editFor(out, root, change, format)
    if (edit === undefined) return undefined
    out = out.slice(0, edit.offset) + edit.content + out.slice(edit.offset + edit.length)
  }
  return out
}

const exactly = (out: string | undefined, after: unknown): string | undefined => {
  if (out === undefined) return undefined
  try {
    return JSON.stringify(JSON.parse(out) as Json) === JSON.stringify(after) ? out : undefined
  } catch {
    return undefined
  }
}

/**
 * `text` (parsed, it is `before`) edited so that it parses to `after`, changing only the values
 * that differ. Undefined when the text cannot be edited into exactly `after` (keys reordered, a
 * duplicate key): the caller then writes the value whole. `mode` is for the test that holds the
 * one-pass edit to the change-by-change one ('one-pass': undefined when it is not planned).
 */
export function editJsonText(
  text: string,
  before: unknown,
  after: unknown,
  format: JsonFormat,
  mode: 'auto' | 'sequential' | 'one-pass' = 'auto',
): string | undefined {
  const changes: Change[] = []
  changesBetween(before, after, [], changes)
  if (mode !== 'sequential' && (changes.length > 1 || mode === 'one-pass')) {
    // Undefined: a change list the one pass does not plan (or cannot place); the reference then.
    const out = onePassEdit(text, changes, format)
    if (out !== undefined || mode === 'one-pass') return exactly(out, after)
  }
  return exactly(sequentialEdit(text, changes, format), after)
}
