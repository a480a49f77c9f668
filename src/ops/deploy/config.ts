import { promises as fsp } from 'node:fs'
import path from 'node:path'
// The ESM build: the package's main is a UMD file whose lazy requires a bundle cannot resolve.
import { parse as parseJsonc } from 'jsonc-parser/lib/esm/main.js'
import { git } from '../../adapters/git.js'
import { type Repo, statePaths } from '../../adapters/repo.js'
import {
  type ConfigInputs,
  type PlatformFiles,
  type ResolvedConfig,
  resolveConfig,
} from '../../core/deploy/config.js'
import { CpoError } from '../../errors.js'
import { CONFIG_FILE, readConfigFile } from '../config-file.js'

export { CONFIG_FILE }

/**
 * Reads everything the deployment configuration can come from (README.md, "Deployments") and
 * lets the core pick: the `deployment` blocks, the platforms' own files, the hosting the plan
 * names.
 */
export async function readDeploymentConfig(
  repo: Repo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedConfig> {
  const at = (rel: string) => path.join(repo.root, rel)
  const text = (rel: string) => fsp.readFile(at(rel), 'utf8').catch(() => undefined)
  const projectFile = statePaths(repo).project
  const [project, configJson, vercel, netlify, doApp, render, wranglerToml, wranglerJsonc] =
    await Promise.all([
      text(projectFile),
      readConfigFile(repo.root),
      text('.vercel/project.json'),
      text('.netlify/state.json'),
      text('.do/app.yaml'),
      text('render.yaml'),
      text('wrangler.toml'),
      text('wrangler.jsonc'),
    ])
  const projectJson = project === undefined ? undefined : json(project, projectFile)
  const files: PlatformFiles = {}
  if (vercel !== undefined) files.vercelProject = json(vercel, '.vercel/project.json')
  if (netlify !== undefined) files.netlifyState = json(netlify, '.netlify/state.json')
  if (doApp !== undefined) files.doApp = (await import('yaml')).parse(doApp) ?? {}
  if (render !== undefined) files.renderYaml = (await import('yaml')).parse(render) ?? {}
  if (wranglerToml !== undefined) {
    files.wrangler = {
      file: 'wrangler.toml',
      value: (await import('smol-toml')).parse(wranglerToml),
    }
  } else if (wranglerJsonc !== undefined) {
    files.wrangler = { file: 'wrangler.jsonc', value: parseJsonc(wranglerJsonc) }
  }
  const heroku = await git(repo.root, ['remote', 'get-url', 'heroku'], { okCodes: [2, 128] })
  if (heroku.code === 0) files.herokuRemote = heroku.stdout.trim()
  for (const file of ['railway.json', 'railway.toml']) {
    if (await exists(at(file))) {
      files.railway = { file }
      files.railwayEnv = Object.fromEntries(
        (
          [
            ['projectId', env.RAILWAY_PROJECT_ID],
            ['serviceId', env.RAILWAY_SERVICE_ID],
            ['environmentId', env.RAILWAY_ENVIRONMENT_ID],
          ] as const
        ).filter(([, v]) => v),
      )
      break
    }
  }
  const hosting = (projectJson as { productDefinition?: { techStack?: { hosting?: unknown } } })
    ?.productDefinition?.techStack?.hosting
  const inputs: ConfigInputs = {
    blocks: [
      { file: projectFile, value: field(projectJson, 'deployment') },
      { file: CONFIG_FILE, value: field(configJson, 'deployment') },
    ],
    files,
    ...(typeof hosting === 'string' && hosting !== '' ? { hosting } : {}),
  }
  return resolveConfig(inputs)
}

const field = (o: unknown, key: string): unknown =>
  o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined

const exists = (file: string) =>
  fsp.access(file).then(
    () => true,
    () => false,
  )

function json(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new CpoError(
      'DEPLOY_CONFIG_INVALID',
      'invalidInput',
      `${file} is not valid JSON: ${(error as Error).message}`,
      { hint: `Fix ${file} (or move it aside), then run again.` },
    )
  }
}
