import { CpoError } from '../../errors.js'
import { type DeploymentConfig, PLATFORM_NAMES, type PlatformName } from './types.js'

/**
 * Where the deployment configuration comes from, first match wins (README.md, "Deployments"):
 * a `deployment` block in master-project.json, then in cpo.config.json, then the files the
 * platforms' own tools write, then `productDefinition.techStack.hosting`, then `local`.
 */
export type ConfigSource =
  | { kind: 'block'; file: string }
  | { kind: 'file'; file: string }
  | { kind: 'hosting'; value: string }
  | { kind: 'default' }

export interface Detection {
  platform: PlatformName
  source: ConfigSource
  /** Ids read from the platform's own file. */
  ids: Partial<DeploymentConfig>
}

export interface ResolvedConfig {
  config: DeploymentConfig
  source: ConfigSource
  /** Everything detected, the winner first. */
  detected: Detection[]
}

const STRING_FIELDS = [
  'projectId',
  'teamId',
  'serviceId',
  'environmentId',
  'appId',
  'siteId',
  'accountId',
  'scriptName',
  'healthUrl',
  'path',
] as const

export const isPlatformName = (v: unknown): v is PlatformName =>
  typeof v === 'string' && (PLATFORM_NAMES as readonly string[]).includes(v)

/** Checks a `deployment` block; a clear error names the file and the field. */
export function parseDeploymentBlock(value: unknown, file: string): DeploymentConfig {
  const bad = (what: string): CpoError =>
    new CpoError('DEPLOY_CONFIG_INVALID', 'invalidInput', `${file}: "deployment" ${what}`, {
      hint: `Write e.g. {"deployment": {"platform": "local", "path": ".deploy", "healthUrl": "http://127.0.0.1:3000/health"}} (platforms: ${PLATFORM_NAMES.join(', ')}).`,
    })
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw bad('must be an object')
  }
  const v = value as Record<string, unknown>
  if (!isPlatformName(v.platform)) {
    throw bad(`has platform ${JSON.stringify(v.platform)}, not one of ${PLATFORM_NAMES.join(', ')}`)
  }
  const config: DeploymentConfig = { platform: v.platform }
  for (const field of STRING_FIELDS) {
    const x = v[field]
    if (x === undefined || x === null) continue
    if (typeof x !== 'string' || x === '') throw bad(`field ${field} must be a non-empty string`)
    config[field] = x
  }
  if (config.healthUrl !== undefined && !/^https?:\/\//.test(config.healthUrl)) {
    throw bad(`field healthUrl must be an http(s) URL, got ${JSON.stringify(config.healthUrl)}`)
  }
  if (config.path !== undefined && (config.path.startsWith('/') || config.path.includes('..'))) {
    throw bad(`field path must be relative to the repository and stay inside it`)
  }
  return config
}

/** What the platforms' own files say, read by the caller (parsed JSON/YAML/TOML, or undefined). */
export interface PlatformFiles {
  vercelProject?: unknown
  netlifyState?: unknown
  doApp?: unknown
  renderYaml?: unknown
  herokuRemote?: string
  wrangler?: { file: string; value: unknown }
  railway?: { file: string }
  /** RAILWAY_PROJECT_ID, RAILWAY_SERVICE_ID, RAILWAY_ENVIRONMENT_ID (Railway's own variables). */
  railwayEnv?: Partial<DeploymentConfig>
}

const str = (o: unknown, key: string): string | undefined => {
  const v = o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined
  return typeof v === 'string' && v !== '' ? v : undefined
}

const only = (ids: Record<string, string | undefined>): Partial<DeploymentConfig> =>
  Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined))

/** Every platform the files point to, in the order of precedence. */
export function detectFromFiles(f: PlatformFiles): Detection[] {
  const out: Detection[] = []
  const add = (platform: PlatformName, file: string, ids: Record<string, string | undefined>) =>
    out.push({ platform, source: { kind: 'file', file }, ids: only(ids) })
  if (f.vercelProject !== undefined) {
    const org = str(f.vercelProject, 'orgId')
    add('vercel', '.vercel/project.json', {
      projectId: str(f.vercelProject, 'projectId'),
      teamId: org?.startsWith('team_') ? org : undefined,
    })
  }
  if (f.netlifyState !== undefined) {
    add('netlify', '.netlify/state.json', { siteId: str(f.netlifyState, 'siteId') })
  }
  if (f.doApp !== undefined) add('digitalocean', '.do/app.yaml', {})
  if (f.renderYaml !== undefined) {
    add('render', 'render.yaml', {})
  }
  if (f.herokuRemote !== undefined) {
    const app = /heroku\.com[/:]([^/]+?)(?:\.git)?$/.exec(f.herokuRemote)?.[1]
    add('heroku', 'git remote heroku', { appId: app })
  }
  if (f.wrangler !== undefined) {
    add('cloudflare', f.wrangler.file, {
      scriptName: str(f.wrangler.value, 'name'),
      accountId: str(f.wrangler.value, 'account_id'),
    })
  }
  if (f.railway !== undefined) add('railway', f.railway.file, { ...f.railwayEnv })
  return out
}

/** `techStack.hosting` as people write it: "Vercel", "Railway (Hobby)", "DigitalOcean App Platform". */
export function platformFromHosting(hosting: string): PlatformName | undefined {
  const h = hosting.toLowerCase().replace(/[^a-z]/g, '')
  if (h.includes('digitalocean')) return 'digitalocean'
  if (h.includes('cloudflare')) return 'cloudflare'
  for (const name of PLATFORM_NAMES) if (name !== 'local' && h.includes(name)) return name
  return undefined
}

export interface ConfigInputs {
  blocks: Array<{ file: string; value: unknown }>
  files: PlatformFiles
  hosting?: string
}

/** Picks the configuration; the winning source is reported by `cpo deploy status`. */
export function resolveConfig(inputs: ConfigInputs): ResolvedConfig {
  const fromFiles = detectFromFiles(inputs.files)
  const hostingPlatform = inputs.hosting ? platformFromHosting(inputs.hosting) : undefined
  const fromHosting: Detection[] =
    hostingPlatform && inputs.hosting
      ? [{ platform: hostingPlatform, source: { kind: 'hosting', value: inputs.hosting }, ids: {} }]
      : []
  const detected = [...fromFiles, ...fromHosting]
  const block = inputs.blocks.find((b) => b.value !== undefined)
  if (block) {
    const config = parseDeploymentBlock(block.value, block.file)
    // Ids the block leaves out come from the platform's own file for the same platform.
    const same = fromFiles.find((d) => d.platform === config.platform)
    const source: ConfigSource = { kind: 'block', file: block.file }
    return {
      config: { ...same?.ids, ...config },
      source,
      detected: [{ platform: config.platform, source, ids: {} }, ...detected],
    }
  }
  const winner = detected[0]
  if (winner)
    return { config: { platform: winner.platform, ...winner.ids }, source: winner.source, detected }
  const fallback: Detection = { platform: 'local', source: { kind: 'default' }, ids: {} }
  return { config: { platform: 'local' }, source: fallback.source, detected: [fallback] }
}

export function describeSource(s: ConfigSource): string {
  switch (s.kind) {
    case 'block':
      return `the "deployment" block in ${s.file}`
    case 'file':
      return s.file
    case 'hosting':
      return `productDefinition.techStack.hosting (${JSON.stringify(s.value)})`
    case 'default':
      return 'the default (no deployment configured: the local platform)'
  }
}
