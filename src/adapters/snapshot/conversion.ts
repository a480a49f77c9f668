import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'

/** The two settings that change how git turns work-tree files into blobs and back. */
export interface WorkTreeConfig {
  /** core.autocrlf `true` or `input`: line endings of every text file are converted. */
  autocrlf: boolean
  /** core.fileMode: when false, git ignores the exec bit on disk. */
  fileMode: boolean
}

/**
 * Read once per Repo (one command): an operation's snapshots and restores all ask, and each
 * ask would be a git process. A Repo is opened per command (README.md, Library).
 */
export function readWorkTreeConfig(repo: Repo): Promise<WorkTreeConfig> {
  let config = configOf.get(repo)
  if (!config) {
    config = readConfig(repo)
    configOf.set(repo, config)
    config.catch(() => configOf.delete(repo))
  }
  return config
}

const configOf = new WeakMap<Repo, Promise<WorkTreeConfig>>()

async function readConfig(repo: Repo): Promise<WorkTreeConfig> {
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
 * The attributes that make git convert a file on its way into a blob or back, for each path,
 * from one `check-attr`.
 */
export async function conversionAttributes(
  repo: Repo,
  paths: string[],
  env: Record<string, string>,
): Promise<Map<string, Map<string, string>>> {
  const attrs = new Map<string, Map<string, string>>()
  if (paths.length === 0) return attrs
  const { stdout } = await git(repo.root, ['check-attr', '-z', '--stdin', ...ATTRIBUTES], {
    input: `${paths.join('\0')}\0`,
    env,
  })
  const fields = splitZ(stdout)
  // `<path> NUL <attribute> NUL <value> NUL`, the value `unspecified`, `unset`, `set` or text.
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const file = fields[i] as string
    const of = attrs.get(file) ?? new Map<string, string>()
    attrs.set(file, of)
    of.set(fields[i + 1] as string, fields[i + 2] as string)
  }
  return attrs
}

/**
 * Whether git would not store a file byte for byte (`git add`) or write it back byte for byte
 * (checkout): a clean filter may drop content (nbstripout drops notebook outputs), and
 * end-of-line conversion rewrites line endings either way. Any sign of a conversion counts:
 * storing such a file raw is always exact, only not always needed.
 */
export function convertedBy(
  attrs: Map<string, string> | undefined,
  config: WorkTreeConfig,
): boolean {
  const value = (name: string) => attrs?.get(name) ?? 'unspecified'
  const given = (name: string) => !['unspecified', 'unset'].includes(value(name))
  const eolUnsaid = value('text') === 'unspecified' && value('crlf') === 'unspecified'
  return ATTRIBUTES.some(given) || (eolUnsaid && config.autocrlf)
}
