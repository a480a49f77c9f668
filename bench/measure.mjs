// Timing, statistics, machine facts and the results table. Every timing is wall-clock time of a
// real child process (spawn to exit) measured with process.hrtime.bigint().
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Runs a command to completion; throws (with its stderr) unless it exits 0. */
export function run(cmd, args, { cwd, env } = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (r.error) throw r.error
  if (r.status !== 0) {
    const what = [cmd, ...args].join(' ')
    throw new Error(
      `command failed (exit ${r.status ?? r.signal}): ${what}\n${r.stderr}${r.stdout}`,
    )
  }
  return r.stdout
}

/** Milliseconds taken by a sequence of commands run one after another. */
export function timed(commands, opts) {
  const start = process.hrtime.bigint()
  const outputs = commands.map(([cmd, args]) => run(cmd, args, opts))
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  return { ms, outputs }
}

export function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted.at(-1), samples }
}

export function machineInfo() {
  let cpu = os.cpus()[0]?.model ?? 'unknown'
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    if (line) cpu = line.split(':')[1].trim()
  } catch {
    // not Linux: os.cpus() is good enough
  }
  let fsType = 'unknown'
  try {
    fsType = execFileSync('stat', ['-f', '-c', '%T', os.tmpdir()], { encoding: 'utf8' }).trim()
  } catch {
    // stat -f is GNU coreutils; leave unknown elsewhere
  }
  return {
    cpu,
    cores: os.cpus().length,
    ramGiB: (os.totalmem() / 1024 ** 3).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    git: execFileSync('git', ['--version'], { encoding: 'utf8' })
      .trim()
      .replace('git version ', ''),
    tmp: `${os.tmpdir()} (${fsType})`,
  }
}

const ms = (v) => (v === undefined ? '—' : v.toFixed(1))

/**
 * A markdown table laid out the way `biome format` lays it out (columns padded, `---:` for
 * right-aligned), so a freshly written results.md passes `biome check`.
 */
export function markdownTable(header, align, rows) {
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => r[c].length)))
  const pad = (text, c) =>
    align[c] === 'right' ? text.padStart(widths[c]) : text.padEnd(widths[c])
  const line = (cells) => `| ${cells.map(pad).join(' | ')} |`
  const rule = widths.map((w, c) =>
    align[c] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w),
  )
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n')
}

/**
 * rows: { op, cpo: stats, baseline: label, base: stats | undefined, target: text,
 *         check: (cpoStats, ratio) => boolean | undefined }
 */
export function resultsTable(rows) {
  const header = [
    'operation',
    'cpo median ms',
    'cpo min ms',
    'baseline',
    'baseline median ms',
    'baseline min ms',
    'ratio',
    'target',
    'result',
  ]
  const align = ['left', 'right', 'right', 'left', 'right', 'right', 'right', 'left', 'left']
  const cells = rows.map((r) => {
    const ratio = r.base ? r.cpo.median / r.base.median : undefined
    const verdict = r.check ? r.check(r.cpo, ratio) : undefined
    return [
      r.op,
      ms(r.cpo.median),
      ms(r.cpo.min),
      r.baseline,
      ms(r.base?.median),
      ms(r.base?.min),
      ratio === undefined ? '—' : `${ratio.toFixed(2)}×`,
      r.target,
      verdict === undefined ? 'info' : verdict ? 'pass' : '**FAIL**',
    ]
  })
  return markdownTable(header, align, cells)
}

export function machineLines(info, extra) {
  return [
    `- CPU: ${info.cpu} (${info.cores} cores), RAM ${info.ramGiB} GiB, ${info.os}`,
    `- node ${info.node}, git ${info.git}, temp dir ${info.tmp}`,
    ...extra.map((l) => `- ${l}`),
  ].join('\n')
}

/** An integer setting from the environment, with a floor (CPO_BENCH_FILES, CPO_BENCH_RUNS …). */
export function intEnv(name, fallback, min) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`)
  }
  return n
}

/**
 * Runs one bench part unless its switch (e.g. CPO_BENCH_BACKUP=0) turns it off; a failure is
 * reported and makes the process exit non-zero without stopping the other parts.
 */
export function runPart(label, switchName, part) {
  if (process.env[switchName] === '0') return
  try {
    part()
  } catch (e) {
    process.stderr.write(`${label} bench failed: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  }
}

/** Prints a results document and writes it beside the benches (overwritten on every run). */
export function publish(doc, fileName) {
  const file = new URL(fileName, import.meta.url)
  process.stdout.write(`\n${doc}`)
  writeFileSync(file, doc)
  process.stderr.write(`written to ${file.pathname}\n`)
}

/** The lines listing git processes per command, when CPO_BENCH_PROFILE collected them. */
export const profileSection = (profiles) =>
  profiles
    ? ['', '### git processes per command (CPO_BENCH_PROFILE=1)', '', '```', profiles, '```']
    : []

/** The cpo command line to time; CPO_BENCH_CLI points at another build's bin/cpo.js. */
export const CPO = path.resolve(
  process.env.CPO_BENCH_CLI ||
    path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'cpo.js'),
)

/** Fails early, with the fix, when the bundle the CLI loads has not been built. */
export function requireBuild() {
  const dist = path.resolve(path.dirname(CPO), '..', 'dist', 'cli.js')
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`node scripts/build.mjs\` first`)
}
