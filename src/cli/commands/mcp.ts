import path from 'node:path'
import type { GlobalOptions } from '../options.js'

/** `cpo mcp`: the SDK loads only here, so no other command pays for it. */
export async function run(g: GlobalOptions): Promise<void> {
  const { serve } = await import('../../mcp/server.js')
  await serve({ root: path.resolve(g.cwd), wait: g.wait })
}
