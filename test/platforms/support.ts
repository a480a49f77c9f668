import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { commitAll, copyOf, isKept, keep, makeRepo, writeFiles } from '../helpers/repo.js'

/** A repository whose cpo.config.json names `deployment`; built once per block, then copied. */
const templates = new Map<string, string>()
export function repoWith(
  deployment: Record<string, string>,
  files: Record<string, string> = {},
): string {
  const key = JSON.stringify([deployment, files])
  let dir = templates.get(key)
  if (!isKept(dir)) {
    dir = keep(makeRepo({ 'src/app.js': 'v1\n', ...files }))
    writeFiles(dir, { 'cpo.config.json': `${JSON.stringify({ deployment })}\n` })
    commitAll(dir, 'deploy config')
    templates.set(key, dir)
  }
  return copyOf(dir)
}

/** Every file under `dir` (the journal and .git/cpo included) that contains one of `secrets`. */
export function filesContaining(
  dir: string,
  secrets: string[],
  skip: (rel: string) => boolean = () => false,
): string[] {
  const hits: string[] = []
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name
      if (entry.isDirectory()) walk(r)
      else if (entry.isFile() && !skip(r)) {
        const text = fs.readFileSync(path.join(dir, r), 'latin1')
        if (secrets.some((s) => text.includes(s))) hits.push(r)
      }
    }
  }
  walk('')
  return hits
}

/** No secret in any output of a run. */
export function expectNoLeak(
  outputs: Array<{ stdout: string; stderr: string }>,
  secrets: string[],
): void {
  for (const o of outputs) {
    for (const s of secrets) {
      expect(o.stdout).not.toContain(s)
      expect(o.stderr).not.toContain(s)
    }
  }
}

export function journal(dir: string): any[] {
  return fs
    .readFileSync(path.join(dir, '.git', 'cpo', 'oplog.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}
