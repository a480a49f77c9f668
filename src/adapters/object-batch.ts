import { decodeBytes, encodeText } from '../core/path-bytes.js'
import { gitBytes } from './git.js'
import type { Repo } from './repo.js'

/** One object as `git cat-file --batch` gives it. */
export interface BatchObject {
  oid: string
  type: string
  body: Buffer
}

/**
 * Objects by name — an id, `<rev>:<path>`, `<rev>^{tree}` — in the order asked, through one
 * `git cat-file --batch`; undefined for a name git says is missing (or ambiguous). A name holds
 * no newline (one name per input line: callers with a path that may hold one ask otherwise);
 * paths are bytes as `encodeText` (src/core/path-bytes.ts) gives them.
 */
export async function readObjects(
  repo: Repo,
  names: readonly string[],
): Promise<Array<BatchObject | undefined>> {
  if (names.length === 0) return []
  if (names.some((n) => n.includes('\n'))) throw new Error('an object name holds a newline')
  const { stdout } = await gitBytes(repo.root, ['cat-file', '--batch'], {
    input: encodeText(`${names.join('\n')}\n`),
  })
  const out: Array<BatchObject | undefined> = []
  let at = 0
  for (let i = 0; i < names.length; i++) {
    // `<oid> <type> <size>\n<content>\n`, or `<name> missing\n` (`ambiguous`)
    const eol = stdout.indexOf(0x0a, at)
    if (eol < 0) throw new Error('git cat-file --batch ended early')
    const header = stdout.toString('latin1', at, eol).split(' ')
    at = eol + 1
    const [oid, type, size = ''] = header
    if (header.length !== 3 || !/^\d+$/.test(size)) {
      out.push(undefined) // `<name> missing`: its last field is no size
      continue
    }
    const end = at + Number(size)
    out.push({ oid: oid as string, type: type as string, body: stdout.subarray(at, end) })
    at = end + 1
  }
  return out
}

/** A tree object's entries (`<mode> <name>\0<binary id>` each), in its order, as bytes. */
export function treeEntries(
  body: Buffer,
  idBytes: number,
): Array<{ mode: string; name: Buffer; oid: Buffer }> {
  const out: Array<{ mode: string; name: Buffer; oid: Buffer }> = []
  let at = 0
  while (at < body.length) {
    const space = body.indexOf(32, at)
    const nul = body.indexOf(0, space)
    if (space < 0 || nul < 0) break
    out.push({
      mode: body.toString('latin1', at, space),
      name: body.subarray(space + 1, nul),
      oid: body.subarray(nul + 1, nul + 1 + idBytes),
    })
    at = nul + 1 + idBytes
  }
  return out
}

/** The names of a tree object's entries, as text (src/core/path-bytes.ts), in its order. */
export function treeEntryNames(body: Buffer, idBytes: number): string[] {
  return treeEntries(body, idBytes).map((e) => decodeBytes(e.name))
}
