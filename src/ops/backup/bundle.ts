import path from 'node:path'
import { git } from '../../adapters/git.js'

/** `git bundle list-heads` as a map ref → object id (HEAD included when the bundle has it). */
export async function readBundleRefs(bundle: string): Promise<Record<string, string>> {
  const { stdout } = await git(path.dirname(bundle), ['bundle', 'list-heads', bundle])
  const refs: Record<string, string> = {}
  for (const line of stdout.split('\n')) {
    const m = /^([0-9a-f]{40,64}) (.+)$/.exec(line)
    if (m?.[1] && m[2]) refs[m[2]] = m[1]
  }
  return refs
}

/** Checks a bundle inside a scratch repository (`git bundle verify` needs one). */
export async function verifyBundle(
  bundle: string,
  scratchRepo: string,
): Promise<string | undefined> {
  await git(path.dirname(scratchRepo), ['init', '-q', '--bare', scratchRepo])
  try {
    await git(scratchRepo, ['bundle', 'verify', '-q', bundle])
    return undefined
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}
