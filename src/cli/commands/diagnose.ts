import type { CheckResult } from '../../core/diagnose/types.js'
import { CpoError } from '../../errors.js'
import { type DiagnoseReport, diagnose } from '../../ops/diagnose/index.js'
import { openProjectRepo } from '../../ops/open-repo.js'
import type { GlobalOptions } from '../options.js'
import type { CommandOutput } from '../output.js'

interface Flags {
  symptom?: string
  timeout?: string
  /** Each progress line, also when not at a terminal (the MCP server's progress notifications). */
  progress?: (line: string) => void
}

const MARK: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', skip: '–', error: '!' }

export async function run(g: GlobalOptions, o: Flags): Promise<CommandOutput> {
  const repo = await openProjectRepo(g.cwd, g)
  const timeoutMs = parseTimeout(o.timeout)
  // Progress only for a person at a terminal; nothing of it with --json.
  const live = !g.json && process.stderr.isTTY === true
  const say = (s: string) => {
    if (live) process.stderr.write(`${s}\n`)
    o.progress?.(s.trim())
  }
  const report = await diagnose(repo, {
    ...(o.symptom === undefined ? {} : { symptom: o.symptom }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    onStart: (specs) => say(`running ${specs.length} checks side by side…`),
    onCheck: (r) => say(`  ${MARK[r.status]} ${r.id} (${(r.durationMs / 1000).toFixed(1)}s)`),
    onMeasure: (what) => say(`  … measuring ${what} in a temporary work tree`),
  })
  return { data: report, text: lines(report).join('\n') }
}

function lines(r: DiagnoseReport): string[] {
  const c = r.classification
  return [
    'checks:',
    ...r.checks.map((k) => `  ${MARK[k.status]} ${k.id}: ${k.evidence}`),
    ...r.measured.map(
      (m) =>
        `  measured: ${m.check} at ${m.at} (${m.commit.slice(0, 10)}): ${m.status}${m.cached ? ' (cached)' : ''}`,
    ),
    `diagnosis: ${c.title}`,
    ...c.evidence.map((e) => `  - ${e}`),
    ...(c.next ? [`next: ${c.next.command}`, `  why: ${c.next.why}`] : ['next: nothing to do']),
    ...c.afterwards.map((t) => `then: ${t.command}\n  why: ${t.why}`),
  ]
}

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) {
    throw new CpoError('USAGE', 'usage', `--timeout takes seconds, got ${JSON.stringify(value)}`, {
      hint: 'Write --timeout 300 (seconds per check).',
    })
  }
  return n * 1000
}
