import fs from 'node:fs'
import path from 'node:path'
import { runTool } from './postgres-run.js'
import type { DbTool } from './types.js'

export const TOOL_NAMES = ['pg_dump', 'pg_restore', 'psql'] as const
export type ToolName = (typeof TOOL_NAMES)[number]

export interface FoundTool extends DbTool {
  major?: number
}

/** Debian and Ubuntu keep every installed major version here; PATH often has only one. */
export function versionedToolDirs(root = '/usr/lib/postgresql'): string[] {
  let names: string[]
  try {
    names = fs.readdirSync(root)
  } catch {
    return []
  }
  return names
    .filter((n) => /^\d+(\.\d+)?$/.test(n))
    .sort((a, b) => Number(b) - Number(a))
    .map((n) => path.join(root, n, 'bin'))
}

function onPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue
    const file = path.join(dir, name)
    try {
      fs.accessSync(file, fs.constants.X_OK)
      if (fs.statSync(file).isFile()) return file
    } catch {}
  }
  return undefined
}

/** `/usr/bin/pg_dump` and friends on Debian and Ubuntu: links to postgresql-common's pg_wrapper. */
function isDebianWrapper(file: string): boolean {
  try {
    return path.basename(fs.realpathSync(file)) === 'pg_wrapper'
  } catch {
    return false
  }
}

export function parseToolVersion(text: string): string | undefined {
  return /\(PostgreSQL\)\s+(\d+(?:\.\d+)*)/.exec(text)?.[1]
}

export const majorOf = (version: string | undefined): number | undefined => {
  const n = version ? Number.parseInt(version, 10) : Number.NaN
  return Number.isFinite(n) ? n : undefined
}

/**
 * Finds a tool on PATH and in the versioned directories and keeps the newest major version:
 * pg_dump refuses a server newer than itself, and a newer one reads every older server.
 * On a tie the versioned directory wins: on Debian /usr/bin/pg_dump is a Perl wrapper that
 * costs ~150 ms per call before it runs the same binary.
 */
export async function findTool(
  name: ToolName,
  env: NodeJS.ProcessEnv,
  dirs: string[],
): Promise<FoundTool> {
  const versioned = dirs.map((d) => onPath(name, d)).filter((c) => c !== undefined)
  const onPathFile = onPath(name, env.PATH)
  // Debian's wrapper only runs one of the binaries in /usr/lib/postgresql/<major>/bin: when all
  // of those are candidates already, asking it for its version costs a Perl start (~30 ms CPU)
  // and cannot find a newer one.
  const installed = versionedToolDirs().map((d) => onPath(name, d))
  const wrapper =
    onPathFile !== undefined &&
    installed.length > 0 &&
    installed.every((c) => c !== undefined && versioned.includes(c)) &&
    isDebianWrapper(onPathFile)
  const candidates = [...versioned, ...(wrapper ? [] : [onPathFile])].filter(
    (c, i, all): c is string => c !== undefined && all.indexOf(c) === i,
  )
  let best: FoundTool | undefined
  for (const file of candidates) {
    const r = await runTool(file, ['--version'], env).catch(() => undefined)
    const version = r && r.code === 0 ? parseToolVersion(r.stdout) : undefined
    const major = majorOf(version)
    if (major === undefined) continue
    if (!best || (best.major ?? 0) < major) best = { name, path: file, version, major }
  }
  return best ?? { name, problem: `${name} not found on PATH or in /usr/lib/postgresql/*/bin` }
}
