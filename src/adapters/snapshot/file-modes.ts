import { promises as fsp, type Stats } from 'node:fs'
import path from 'node:path'
import { fsPath } from '../../core/path-bytes.js'

/**
 * The permission bits git would not give these files back: a tree keeps only 644 or 755, and
 * checkout creates a file with 666 or 777 less the umask. A private key (600) would come back
 * world-readable. With core.fileMode off, git ignores the exec bit on disk, so every mode is
 * kept. Returns path → octal text, for the exceptions only.
 */
export function modeExceptions(
  files: Array<[string, Stats]>,
  fileMode: boolean,
  umask: number = currentUmask(),
): Record<string, string> {
  const modes: Record<string, string> = {}
  for (const [file, st] of files) {
    if (!st.isFile()) continue
    const mode = st.mode & 0o7777
    const git = (mode & 0o100 ? 0o777 : 0o666) & ~umask
    if (!fileMode || mode !== git) modes[file] = mode.toString(8)
  }
  return modes
}

/** Node can only read the umask by setting it; set it straight back. */
export function currentUmask(): number {
  const mask = process.umask(0o022)
  process.umask(mask)
  return mask
}

/** Sets recorded permission bits on files just written (never through a symlink). */
export async function applyModes(
  root: string,
  paths: string[],
  modes: Record<string, string>,
): Promise<void> {
  await Promise.all(
    paths.map(async (p) => {
      const mode = modes[p]
      if (mode === undefined) return
      const file = fsPath(path.join(root, p))
      const st = await fsp.lstat(file)
      if (st.isFile()) await fsp.chmod(file, Number.parseInt(mode, 8))
    }),
  )
}
