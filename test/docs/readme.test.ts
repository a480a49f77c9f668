import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { FAILPOINTS } from '../../src/adapters/failpoint.js'
import { EXIT } from '../../src/errors.js'
import { cpo, tempDir } from '../helpers/repo.js'

/**
 * Keeps README.md honest: every command and option of the real command tree (`cpo --json help`),
 * every exit code with the error codes thrown for it, every CPO_* variable and failpoint the code
 * reads, and the two commands a newcomer runs. A test fails naming what the README is missing.
 */

const ROOT = path.resolve(import.meta.dirname, '../..')
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
const LINES = README.split('\n')

interface Opt {
  flags: string
}
interface Cmd {
  path: string
  options: Opt[]
  commands: Cmd[]
}

let tree: Cmd
beforeAll(() => {
  const r = cpo(tempDir(), ['--json', 'help'])
  expect(r.code).toBe(0)
  tree = r.json.data as Cmd
})

const allCommands = (c: Cmd): Cmd[] => c.commands.flatMap((s) => [s, ...allCommands(s)])

/** `--keep-last <n>` → `--keep-last`; `-n, --limit <count>` → `--limit`; `-m` alone stays. */
function flagName(o: Opt): string {
  const words = o.flags.split(/[ ,|]+/).filter((w) => w.startsWith('-'))
  return words.find((w) => w.startsWith('--')) ?? words[0] ?? o.flags
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The text of every README section whose heading names `cpo <words>` as a code span, the words
 * followed by the end of the span or by an argument or option (so `cpo snapshot list` is not a
 * section of `cpo snapshot`). A section runs to the next heading.
 */
function sectionsOf(words: string): string[] {
  const named = new RegExp(`\`cpo ${escapeRe(words)}(\`| [[<-])`)
  const out: string[] = []
  LINES.forEach((line, i) => {
    if (!/^#{2,6} /.test(line) || !named.test(line)) return
    const end = LINES.findIndex((l, j) => j > i && /^#{1,6} /.test(l))
    out.push(LINES.slice(i, end === -1 ? undefined : end).join('\n'))
  })
  return out
}

const sourceFiles = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : []
  })
const SOURCES = sourceFiles(path.join(ROOT, 'src')).map((f) => fs.readFileSync(f, 'utf8'))
const matchesIn = (re: RegExp): RegExpExecArray[] => SOURCES.flatMap((s) => [...s.matchAll(re)])

describe('README.md', () => {
  it('has a reference section for every command, naming every option it takes', () => {
    const missing: string[] = []
    for (const c of allCommands(tree)) {
      const words = c.path.replace(/^cpo /, '')
      const sections = sectionsOf(words)
      if (sections.length === 0) {
        // A group without options of its own is covered by its subcommands' sections.
        if (c.commands.length > 0 && c.options.length === 0) continue
        missing.push(`section for \`cpo ${words}\``)
        continue
      }
      for (const o of c.options) {
        const flag = flagName(o)
        if (!sections.some((s) => new RegExp(`${escapeRe(flag)}(?![\\w-])`).test(s))) {
          missing.push(`${flag} of cpo ${words}`)
        }
      }
    }
    expect(missing).toEqual([])
  })

  it('lists every global option', () => {
    const global = sectionsOfHeading('Global options')
    const missing = (tree.options as Opt[]).map(flagName).filter((f) => !global.includes(f))
    expect(global).not.toBe('')
    expect(missing).toEqual([])
  })

  it('has one exit-code row per exit code, naming each error code thrown with it', () => {
    const rows = new Map<number, string>()
    for (const line of LINES) {
      const m = /^\| (\d) \|/.exec(line)
      if (m) rows.set(Number(m[1]), line)
    }
    expect([...rows.keys()].sort()).toEqual(Object.values(EXIT).sort())
    const thrown = [
      ...matchesIn(/new CpoError\(\s*'([A-Z0-9_]+)',\s*'([a-zA-Z]+)'/g).map((m) => ({
        code: m[1] as string,
        exit: EXIT[m[2] as keyof typeof EXIT],
      })),
      // `new CpoError(cond ? 'A' : 'B', 'class', …)`: both codes share the class.
      ...matchesIn(
        /new CpoError\(\s*[^'\n]*\?\s*'([A-Z0-9_]+)'\s*:\s*'([A-Z0-9_]+)',\s*'([a-zA-Z]+)'/g,
      ).flatMap((m) =>
        [m[1], m[2]].map((code) => ({
          code: code as string,
          exit: EXIT[m[3] as keyof typeof EXIT],
        })),
      ),
      // The MCP server's plan refusals (src/mcp/server.ts) are conflicts.
      ...matchesIn(/refuse\(\s*'([A-Z0-9_]+)'/g).map((m) => ({
        code: m[1] as string,
        exit: EXIT.conflict,
      })),
    ]
    expect(thrown.length).toBeGreaterThan(100)
    const missing = [
      ...new Set(
        thrown
          .filter(({ code, exit }) => !rows.get(exit)?.includes(`\`${code}\``))
          .map(({ code, exit }) => `${code} (exit ${exit})`),
      ),
    ]
    expect(missing).toEqual([])
  })

  it('names every CPO_* variable the code reads and every failpoint', () => {
    const vars = new Set(matchesIn(/\benv\.(CPO_[A-Z0-9_]+)/g).map((m) => m[1] as string))
    if (matchesIn(/env\[`CPO_\$\{/g).length > 0) vars.add('CPO_<PLATFORM>_API_URL')
    expect(vars.size).toBeGreaterThan(5)
    const missing = [
      ...[...vars].filter((v) => !README.includes(`\`${v}`)),
      ...FAILPOINTS.filter((f) => !README.includes(`\`${f}\``)).map((f) => `failpoint ${f}`),
    ]
    expect(missing).toEqual([])
  })

  it('gives the two commands a newcomer runs, and both are scripts of package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
    expect(README).toContain('npm install && npm run demo')
    expect(README).toContain('npm install && npm test')
    expect(pkg.scripts.demo).toBeTypeOf('string')
    expect(pkg.scripts.test).toBeTypeOf('string')
  })
})

/** The text under the first heading containing `title`, to the next heading. */
function sectionsOfHeading(title: string): string {
  const i = LINES.findIndex((l) => /^#{1,6} /.test(l) && l.includes(title))
  if (i === -1) return ''
  const end = LINES.findIndex((l, j) => j > i && /^#{1,6} /.test(l))
  return LINES.slice(i, end === -1 ? undefined : end).join('\n')
}
