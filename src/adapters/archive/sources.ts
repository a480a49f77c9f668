import { promises as fsp } from 'node:fs'
import path from 'node:path'

export interface SourceNode {
  /** `/`-separated, relative to the walked root's parent (e.g. `.checkpoints/s1/state.json`). */
  rel: string
  kind: 'file' | 'dir' | 'symlink' | 'other'
  size: number
  mode: number
  /** Set when the node cannot be carried at all, with why (it is then not walked into). */
  unsupported?: string
}

/**
 * Lists `base/rel` (one node, or a whole tree for a directory), sorted, without following links.
 * Names are read as bytes: one that is not valid UTF-8 cannot be named in a manifest (JSON) or
 * opened through a decoded string, so it is reported instead of vanishing from the walk.
 */
export async function walkSource(base: string, rel: string): Promise<SourceNode[]> {
  const out: SourceNode[] = []
  const visit = async (r: string) => {
    let st: import('node:fs').Stats
    try {
      st = await fsp.lstat(path.join(base, r))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
      throw e
    }
    const kind = st.isFile()
      ? 'file'
      : st.isDirectory()
        ? 'dir'
        : st.isSymbolicLink()
          ? 'symlink'
          : 'other'
    out.push({ rel: r, kind, size: st.size, mode: st.mode & 0o777 })
    if (kind !== 'dir') return
    const names = await fsp.readdir(path.join(base, r), { encoding: 'buffer' })
    for (const raw of names.sort(Buffer.compare)) {
      const name = raw.toString('utf8')
      if (Buffer.from(name, 'utf8').equals(raw)) await visit(`${r}/${name}`)
      else
        out.push({
          rel: `${r}/${name}`,
          kind: 'other',
          size: 0,
          mode: 0,
          unsupported: `its name is not valid UTF-8 (bytes ${raw.toString('hex')}); rename it to back it up`,
        })
    }
  }
  await visit(rel)
  return out
}
