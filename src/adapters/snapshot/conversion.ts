import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'

/** The two settings that change how git turns work-tree files into blobs and back. */
export interface WorkTreeConfig {
  /** core.autocrlf `true` or `input`: line endings of every text file are converted. */
  autocrlf: boolean
  /** core.fileMode: when false, git ignores the exec bit on disk. */
  fileMode: boolean
}

export async function readWorkTreeConfig(repo: Repo): Promise<WorkTreeConfig> {
  const { stdout } = await git(
    repo.root,
    ['config', '-z', '--get-regexp', '^core\\.(autocrlf|filemode)$'],
    { okCodes: [1] },
  )
  const config = new Map<string, string>()
  for (const rec of splitZ(stdout)) {
    const nl = rec.indexOf('\n')
    // The last one wins, as in git; a key without `= value` means true.
    config.set(nl < 0 ? rec : rec.slice(0, nl), nl < 0 ? 'true' : rec.slice(nl + 1))
  }
  const autocrlf = (config.get('core.autocrlf') ?? 'false').trim().toLowerCase()
  return {
    autocrlf: autocrlf === 'input' || isTrue(autocrlf),
    fileMode: isTrue((config.get('core.filemode') ?? 'true').trim().toLowerCase()),
  }
}

const isTrue = (v: string): boolean => ['true', 'yes', 'on', '1'].includes(v)

const ATTRIBUTES = ['filter', 'text', 'eol', 'crlf', 'ident', 'working-tree-encoding']

/**
 * The paths git would not store byte for byte (`git add`) or write back byte for byte
 * (checkout): a clean filter may drop content (nbstripout drops notebook outputs), and
 * end-of-line conversion rewrites line endings either way. One `check-attr` for all of them.
 * Any sign of a conversion counts: storing such a file raw is always exact, only not needed.
 */
export async function convertedPaths(
  repo: Repo,
  paths: string[],
  config: WorkTreeConfig,
  env: Record<string, string>,
): Promise<Set<string>> {
  const converted = new Set<string>()
  if (paths.length === 0) return converted
  const { stdout } = await git(repo.root, ['check-attr', '-z', '--stdin', ...ATTRIBUTES], {
    input: `${paths.join('\0')}\0`,
    env,
  })
  const fields = splitZ(stdout)
  const attrs = new Map<string, Map<string, string>>()
  // `<path> NUL <attribute> NUL <value> NUL`, the value `unspecified`, `unset`, `set` or text.
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const file = fields[i] as string
    const of = attrs.get(file) ?? new Map<string, string>()
    attrs.set(file, of)
    of.set(fields[i + 1] as string, fields[i + 2] as string)
  }
  for (const [file, of] of attrs) {
    const given = (name: string) => {
      const v = of.get(name) ?? 'unspecified'
      return v !== 'unspecified' && v !== 'unset'
    }
    const eolUnsaid = of.get('text') === 'unspecified' && of.get('crlf') === 'unspecified'
    if (ATTRIBUTES.some(given) || (eolUnsaid && config.autocrlf)) {
      converted.add(file)
    }
  }
  return converted
}
