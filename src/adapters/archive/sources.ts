import { promises as fsp } from 'node:fs'
import path from 'node:path'

export interface SourceNode {
  /** `/`-separated, relative to the walked root's parent (e.g. `.checkpoints/s1/state.json`). */
  rel: string
  kind: 'file' | 'dir' | 'symlink' | 'other'
  size: number
  mode: number
}

/** Lists `base/rel` (one node, or a whole tree for a directory), sorted, without following links. */
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
    for (const name of (await fsp.readdir(path.join(base, r))).sort()) await visit(`${r}/${name}`)
  }
  await visit(rel)
  return out
}
