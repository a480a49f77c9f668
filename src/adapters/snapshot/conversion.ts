import { git, splitZ } from '../git.js'
import { type GitConfig, gitBool, readGitConfig } from '../git-config.js'
import { LOOSE_OBJECT_KEYS, objectFormatOf, plainLooseObjects } from '../loose-objects.js'
import type { Repo } from '../repo.js'

/** The two settings that change how git turns work-tree files into blobs and back. */
export interface WorkTreeConfig {
  /** core.autocrlf `true` or `input`: line endings of every text file are converted. */
  autocrlf: boolean
  /** core.fileMode: when false, git ignores the exec bit on disk. */
  fileMode: boolean
  /** Whether core.attributesFile is set (an attributes source outside the repository). */
  attributesFile?: boolean
  /**
   * Whether loose objects may be written in-process, as git's default write makes them
   * (loose-objects.ts); false sends them to a git process.
   */
  plainObjects?: boolean
  /** The repository's hash (`extensions.objectFormat`). */
  objectFormat?: 'sha1' | 'sha256'
}

/** The keys behind WorkTreeConfig, so a caller reading other config can read these too. */
export const WORK_TREE_KEYS = [
  'core.autocrlf',
  'core.filemode',
  'core.attributesfile',
  ...LOOSE_OBJECT_KEYS,
]

export function workTreeConfigFrom(config: GitConfig): WorkTreeConfig {
  // `input` converts on the way in: it counts, and gitBool reads it as true.
  return {
    autocrlf: gitBool(config, 'core.autocrlf', false),
    fileMode: gitBool(config, 'core.filemode', true),
    attributesFile: config.has('core.attributesfile'),
    plainObjects: plainLooseObjects(config),
    objectFormat: objectFormatOf(config),
  }
}

/**
 * Read once per Repo (one command): an operation's snapshots and restores all ask, and each
 * ask would be a git process. The operation's settings read (ops/settings.ts) reads these keys
 * in its own call and hands them over. A Repo is opened per command (README.md, Library).
 */
export function readWorkTreeConfig(repo: Repo): Promise<WorkTreeConfig> {
  let config = configOf.get(repo)
  if (!config) {
    config = readGitConfig(repo, WORK_TREE_KEYS).then(workTreeConfigFrom)
    configOf.set(repo, config)
    config.catch(() => configOf.delete(repo))
  }
  return config
}

export function rememberWorkTreeConfig(repo: Repo, config: WorkTreeConfig): void {
  configOf.set(repo, Promise.resolve(config))
}

const configOf = new WeakMap<Repo, Promise<WorkTreeConfig>>()

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
