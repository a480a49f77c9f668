import type { Platform, PlatformContext } from './types.js'

export function create(_context: PlatformContext): Platform {
  throw new Error('the local adapter is not built yet')
}
