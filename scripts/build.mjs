// Bundles the CLI and the library with esbuild: one file per entry plus shared chunks, so each
// command loads only its own code and start-up stays close to bare node.
//
// Other processes run dist/ while it is rebuilt (tests spawn bin/cpo.js). Wiping dist/ first made
// them fail with ERR_MODULE_NOT_FOUND, so the new build is written beside it and moved in with
// one rename per file: chunks first (their names carry a content hash, so a chunk in use is never
// replaced by different code), the entry files last. The previous build's chunks stay until the
// next build, for a process that loaded the previous cli.js and imports a command's chunk later.
// `--clean` wipes dist/ first instead (for a package: no leftovers).
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'

const DIST = 'dist'
const CHUNKS = path.join(DIST, 'chunks')
const LIST = path.join(DIST, '.chunks') // this build's chunk files, one per line

if (process.argv.includes('--clean')) rmSync(DIST, { recursive: true, force: true })
mkdirSync(CHUNKS, { recursive: true })
const out = mkdtempSync(path.join(DIST, '.build-'))
try {
  await build({
    entryPoints: { cli: 'src/cli/main.ts', index: 'src/index.ts', early: 'src/cli/early-reads.ts' },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
    // commander is CommonJS: give the ESM bundle a `require` for its node: built-ins.
    banner: {
      js: "import { createRequire as __cpoRequire } from 'node:module'; const require = __cpoRequire(import.meta.url);",
    },
  })
  const fresh = readdirSync(path.join(out, 'chunks'))
  for (const f of fresh) renameSync(path.join(out, 'chunks', f), path.join(CHUNKS, f))
  for (const f of readdirSync(out)) {
    if (f !== 'chunks') renameSync(path.join(out, f), path.join(DIST, f))
  }
  let previous = []
  try {
    previous = readFileSync(LIST, 'utf8').split('\n')
  } catch {
    // first build into this dist/
  }
  const keep = new Set([...fresh, ...previous])
  for (const f of readdirSync(CHUNKS))
    if (!keep.has(f)) rmSync(path.join(CHUNKS, f), { force: true })
  writeFileSync(`${LIST}.tmp`, fresh.join('\n'))
  renameSync(`${LIST}.tmp`, LIST)
} finally {
  rmSync(out, { recursive: true, force: true })
}
