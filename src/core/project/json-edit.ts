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

/**
 * `text` (parsed, it is `before`) edited so that it parses to `after`, changing only the values
 * that differ. Undefined when the text cannot be edited into exactly `after` (keys reordered, a
 * duplicate key): the caller then writes the value whole.
 */
export function editJsonText(
  text: string,
  before: unknown,
  after: unknown,
  format: JsonFormat,
): string | undefined {
  const changes: Change[] = []
  changesBetween(before, after, [], changes)
  let out = text
  for (const change of changes) {
    const root = parseTree(out)
    if (root === undefined) return undefined
    const edit = editFor(out, root, change, format)
    if (edit === undefined) return undefined
    out = out.slice(0, edit.offset) + edit.content + out.slice(edit.offset + edit.length)
  }
  try {
    return JSON.stringify(JSON.parse(out) as Json) === JSON.stringify(after) ? out : undefined
  } catch {
    return undefined
  }
}
