import { CpoError } from '../../errors.js'
import type { Platform, PlatformContext, PlatformModule, PlatformName } from './types.js'

/**
 * The platforms that have an adapter, each loaded only when used. A new platform is one line
 * here plus its module (./types.ts says what it implements).
 */
export const PLATFORMS: Partial<Record<PlatformName, () => Promise<PlatformModule>>> = {
  local: () => import('./local.js'),
  vercel: () => import('./vercel.js'),
  railway: () => import('./railway.js'),
  digitalocean: () => import('./digitalocean.js'),
  netlify: () => import('./netlify.js'),
  render: () => import('./render.js'),
  heroku: () => import('./heroku.js'),
  cloudflare: () => import('./cloudflare.js'),
}

export const hasAdapter = (name: PlatformName): boolean => PLATFORMS[name] !== undefined

export async function openPlatform(context: PlatformContext): Promise<Platform> {
  const load = PLATFORMS[context.config.platform]
  if (!load) {
    const available = Object.keys(PLATFORMS).join(', ')
    throw new CpoError(
      'PLATFORM_NOT_SUPPORTED',
      'invalidInput',
      `this version of cpo has no adapter for ${context.config.platform} yet (available: ${available})`,
      {
        hint: 'Roll back in the platform dashboard for now; `cpo deploy status` shows what was detected.',
      },
    )
  }
  return (await load()).create(context)
}
