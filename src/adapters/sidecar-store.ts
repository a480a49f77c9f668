import { git, splitZ } from './git.js'
import type { Repo } from './repo.js'

/*
 * Sidecars are ignored files in `.checkpoints/`, written when a tag is made: a restore of refs
 * (undo, recover) puts a tag back but not them. So the sidecars of each stage-start tag are
 * also kept as a tree under `refs/cpo/sidecars/<tag object>` — reachable, so gc keeps them —
 * and written back whenever a restore moves a tag to an object that has some.
 */

export const SIDECAR_KEEP_PREFIX = 'refs/cpo/sidecars/'

/** Keeps `files` (name → text) as the sidecars of the tag object `tag`. */
export async function keepSidecars(
  repo: Repo,
  tag: string,
  files: Record<string, string>,
): Promise<void> {
  const names = Object.keys(files).sort()
  if (names.length === 0) return
  const oids = await Promise.all(
    names.map(async (n) => {
      const { stdout } = await git(repo.root, ['hash-object', '-w', '--no-filters', '--stdin'], {
        input: files[n] as string,
      })
      return stdout.trim()
    }),
  )
  const input = names.map((n, i) => `100644 blob ${oids[i]}\t${n}\0`).join('')
  const tree = (await git(repo.root, ['mktree', '-z'], { input })).stdout.trim()
  await git(repo.root, ['update-ref', `${SIDECAR_KEEP_PREFIX}${tag}`, tree])
}

/** The sidecars kept for the tag object `tag`, or undefined when none were. */
export async function keptSidecars(
  repo: Repo,
  tag: string,
): Promise<Record<string, string> | undefined> {
  const ref = `${SIDECAR_KEEP_PREFIX}${tag}`
  const listing = await git(repo.root, ['ls-tree', '-z', '--name-only', ref, '--'], {
    okCodes: [128],
  })
  if (listing.code !== 0) return undefined
  const names = splitZ(listing.stdout)
  const texts = await Promise.all(
    names.map(async (n) => (await git(repo.root, ['cat-file', 'blob', `${ref}:${n}`])).stdout),
  )
  return Object.fromEntries(names.map((n, i) => [n, texts[i] as string]))
}
