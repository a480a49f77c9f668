import { CpoError } from '../../errors.js'

/**
 * The statements that turn the schema of the database at `fromUrl` into that of `toUrl`,
 * computed by @pgkit/migra (a TypeScript port of migra) from both catalogs. The URLs stay in
 * this process (the node-postgres driver reads them); nothing is passed on a command line.
 * Loaded only when asked for: it brings pg-promise and its own pg driver.
 */
export async function schemaDiffStatements(fromUrl: string, toUrl: string): Promise<string[]> {
  let migra: typeof import('@pgkit/migra')
  let client: typeof import('@pgkit/client')
  try {
    // Both are CommonJS: in the esbuild bundle their exports may sit under `default`.
    const interop = <T>(m: T): T => ((m as { default?: T }).default ?? m) as T
    const m = await import('@pgkit/migra')
    const c = await import('@pgkit/client')
    migra = 'Migration' in m ? m : interop(m)
    client = 'createClient' in c ? c : interop(c)
  } catch {
    throw new CpoError(
      'DB_DIFF_UNAVAILABLE',
      'external',
      'the schema-diff library @pgkit/migra is not installed',
      {
        hint: 'Install it beside cpo: `npm install @pgkit/migra@0.6.1`, then run the command again.',
      },
    )
  }
  // pg-promise warns on stdout about two clients of one server; stdout is for --json only.
  const options = { pgpOptions: { initialize: { noWarnings: true } } }
  const from = client.createClient(fromUrl, options)
  const to = client.createClient(toUrl, options)
  try {
    const m = await migra.Migration.create(from, to, {})
    m.set_safety(false)
    m.add_all_changes(false)
    return [...m.statements].map((s) => s.trim()).filter(Boolean)
  } catch (e) {
    throw new CpoError(
      'DB_DIFF_FAILED',
      'external',
      `comparing the schemas failed: ${(e as Error).message}`,
      {
        hint: 'Check that both databases are reachable (`cpo db status`), then run the command again.',
      },
    )
  } finally {
    await Promise.all([from.end(), to.end()]).catch(() => {})
  }
}
