import { encodeText } from '../core/path-bytes.js'
import { git, splitZ } from './git.js'
import { looseObjectsDir, writeLooseObject } from './loose-objects.js'
import type { Repo } from './repo.js'
import { readWorkTreeConfig } from './snapshot/conversion.js'

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
  const tree = (await inProcessTree(repo, files)) ?? (await treeByGit(repo, names, files))
  await git(repo.root, ['update-ref', `${SIDECAR_KEEP_PREFIX}${tag}`, tree])
}

/**
 * The sidecars' blobs and their tree written as loose objects in-process, as `hash-object -w
 * --no-filters` and `mktree` write them (ARCHITECTURE.md §27), when git's own write would be
 * the plain one; undefined otherwise. Entries in git's tree order: by the bytes of the names
 * (all are files).
 */
async function inProcessTree(
  repo: Repo,
  files: Record<string, string>,
): Promise<string | undefined> {
  const config = await readWorkTreeConfig(repo)
  const dir = looseObjectsDir(repo, config)
  if (dir === undefined) return undefined
  const hash = config.objectFormat ?? 'sha1'
  const entries = Object.entries(files)
    .map(([name, text]) => ({ name: encodeText(name), body: encodeText(text) }))
    .sort((a, b) => Buffer.compare(a.name, b.name))
  const tree = entries.map((e) => {
    const oid = writeLooseObject(dir, 'blob', e.body, hash)
    return Buffer.concat([
      Buffer.from('100644 '),
      e.name,
      Buffer.from([0]),
      Buffer.from(oid, 'hex'),
    ])
  })
  return writeLooseObject(dir, 'tree', Buffer.concat(tree), hash)
}

async function treeByGit(
  repo: Repo,
  names: readonly string[],
  files: Record<string, string>,
): Promise<string> {
  const oids = await Promise.all(
    names.map(async (n) => {
      const { stdout } = await git(repo.root, ['hash-object', '-w', '--no-filters', '--stdin'], {
        input: files[n] as string,
      })
      return stdout.trim()
    }),
  )
  const input = names.map((n, i) => `100644 blob ${oids[i]}\t${n}\0`).join('')
  return (await git(repo.root, ['mktree', '-z'], { input })).stdout.trim()
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
