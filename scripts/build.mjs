// Bundles the CLI and the library with esbuild: one file per entry plus shared chunks, so each
// command loads only its own code and start-up stays close to bare node.
import { rmSync } from 'node:fs'
import { build } from 'esbuild'

rmSync('dist', { recursive: true, force: true })

await build({
  entryPoints: { cli: 'src/cli/main.ts', index: 'src/index.ts' },
  outdir: 'dist',
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
