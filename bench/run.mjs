// cpo benchmark: times the real CLI (node bin/cpo.js …, one process per call) against the raw-git
// recipe for the same work, in the same run, on a synthetic repository of CPO_BENCH_FILES files.
// Prints a markdown table and writes it to bench/results.md. No timing is asserted: the process
// exits non-zero only when a command fails. See bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runBackupBench } from './backup.mjs'
import { runLifecycleBench } from './lifecycle.mjs'
import {
  CPO,
  intEnv,
  machineInfo,
  machineLines,
  profileSection,
  publish,
  requireBuild,
  resultsTable,
  run,
  stats,
  timed,
} from './measure.mjs'
import { profile } from './profile.mjs'
import { benchEnv, buildRepo, dirtyTree, git, smallChange } from './repo.mjs'

const FILES = intEnv('CPO_BENCH_FILES', 20000, 10)
const RUNS = intEnv('CPO_BENCH_RUNS', 7, 1)
const WARMUP = intEnv('CPO_BENCH_WARMUP', 1, 0)
const PROFILE = process.env.CPO_BENCH_PROFILE === '1'

const log = (s) => process.stderr.write(`${s}\n`)
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

let tmp
function cleanup() {
  if (tmp) rmSync(tmp, { recursive: true, force: true })
  tmp = undefined
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup()
    process.exit(130)
  })
}

/** Repeats `step` WARMUP + RUNS times; `step` returns { name: ms }; warm-up results are dropped. */
function repeat(label, step) {
  const samples = {}
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const got = step(i)
    if (i < WARMUP) continue
    for (const [k, v] of Object.entries(got)) {
      samples[k] = [...(samples[k] ?? []), v]
    }
  }
  const out = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]))
  log(
    `${label}: ${Object.entries(out)
      .map(([k, s]) => `${k} ${s.median.toFixed(1)} ms`)
      .join(', ')}`,
  )
  return out
}

function main() {
  requireBuild()
  const began = Date.now()
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cpo-bench-'))
  const root = path.join(tmp, 'repo')
  const env = benchEnv()
  const opts = { cwd: root, env }
  const cpo = (...args) => ['node', [CPO, ...args, '-C', root]]
  const gitCmd = (...args) => ['git', args]
  const status = () => git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])

  // --- the repository ----------------------------------------------------------------------
  log(`building a synthetic repository of ${FILES} files in ${root}`)
  const t = Date.now()
  const files = buildRepo(root, FILES)
  // Let the clock pass the index's timestamp, then refresh it: no entry stays "racily clean",
  // which would make every status re-hash files for reasons that have nothing to do with cpo.
  sleep(1100)
  git(root, ['update-index', '-q', '--refresh'])
  const dirty = dirtyTree(root, files)
  const tracked = git(root, ['ls-files', '-z']).split('\0').filter(Boolean).length
  const setupMs = Date.now() - t
  log(`repository ready in ${(setupMs / 1000).toFixed(1)} s (${tracked} tracked files)`)

  // --- 1. cpo snapshot vs git status --porcelain (interleaved) ---------------------------------
  const snap = repeat('snapshot', () => ({
    cpo: timed([cpo('snapshot', '--json')], opts).ms,
    git: timed([gitCmd('status', '--porcelain')], opts).ms,
  }))

  // --- 2. cpo undo vs git stash -u && git stash pop ---------------------------------------------
  // Snapshot A = the clean-ish tree; then a small change (5 modified, 2 added, 1 deleted) gives
  // state B. Each repetition: `cpo snapshot restore A` (B → A), `cpo undo <that restore>` (A → B,
  // timed), then `git stash push -u` + `git stash pop` on B (timed). Every repetition starts and
  // ends in B, checked with git status after each half.
  const a = JSON.parse(run('node', [CPO, 'snapshot', '-m', 'bench A', '--json', '-C', root], opts))
  const idA = a.data.snapshot.id
  const small = smallChange(root, files, dirty.touched)
  const stateB = status()
  let restoreCounts
  let undoCounts
  const undo = repeat('undo', () => {
    const restore = timed([cpo('snapshot', 'restore', idA, '--json')], opts)
    const opId = JSON.parse(restore.outputs[0]).data.opId
    const undone = timed([cpo('undo', opId, '--json')], opts)
    if (status() !== stateB) throw new Error('cpo undo did not bring back state B')
    const stash = timed([gitCmd('stash', 'push', '-u', '-q'), gitCmd('stash', 'pop', '-q')], opts)
    if (status() !== stateB) throw new Error('git stash push -u + pop did not keep state B')
    const r = JSON.parse(restore.outputs[0]).data
    const u = JSON.parse(undone.outputs[0]).data
    restoreCounts = `${r.written.length} written, ${r.removed.length} removed`
    undoCounts = `${u.written.length} written, ${u.removed.length} removed`
    return { restore: restore.ms, undo: undone.ms, stash: stash.ms }
  })

  // --- 3. cold start (interleaved) ---------------------------------------------------------------
  const cold = repeat('cold start', () => ({
    node: timed([['node', ['-e', '']]], opts).ms,
    version: timed([['node', [CPO, '--version']]], opts).ms,
    status: timed([cpo('status')], opts).ms,
  }))

  let profiles = ''
  if (PROFILE) {
    const scratch = tmp
    const p = (label, cmds) => profile(label, cmds, { ...opts, scratch })
    profiles = [
      p('cpo snapshot', [cpo('snapshot')]),
      p('git status --porcelain', [gitCmd('status', '--porcelain')]),
      p('cpo snapshot restore A', [cpo('snapshot', 'restore', idA)]),
      p('cpo undo', [cpo('undo', '--yes')]),
      p('cpo status', [cpo('status')]),
    ].join('\n\n')
  }
  const snapshotRefs = git(root, ['for-each-ref', 'refs/cpo/snapshots']).split('\n').length - 1

  // --- report ------------------------------------------------------------------------------------
  const table = resultsTable([
    {
      op: '`cpo snapshot`',
      cpo: snap.cpo,
      baseline: '`git status --porcelain`',
      base: snap.git,
      target: '≤ 2× git status',
      check: (_, ratio) => ratio <= 2,
    },
    {
      op: '`cpo undo` (of a restore)',
      cpo: undo.undo,
      baseline: '`git stash -u` + `git stash pop`',
      base: undo.stash,
      target: 'comparable (≤ 3×)',
      check: (_, ratio) => ratio <= 3,
    },
    {
      op: '`cpo snapshot restore` (info)',
      cpo: undo.restore,
      baseline: '`git stash -u` + `git stash pop`',
      base: undo.stash,
      target: '—',
    },
    {
      op: '`cpo --version` cold start',
      cpo: cold.version,
      baseline: "`node -e ''`",
      base: cold.node,
      target: '< 150 ms',
      check: (s) => s.median < 150,
    },
    {
      op: '`cpo status` cold start',
      cpo: cold.status,
      baseline: "`node -e ''`",
      base: cold.node,
      target: '< 150 ms',
      check: (s) => s.median < 150,
    },
  ])
  const totalS = ((Date.now() - began) / 1000).toFixed(1)
  const machine = machineLines(machineInfo(), [
    `repository: ${tracked} tracked files (CPO_BENCH_FILES=${FILES}; 4 of them ~1 MiB binary), ` +
      `200 ignored files in node_modules/, 4 commits; built in ${(setupMs / 1000).toFixed(1)} s`,
    `work tree: ${dirty.modified} tracked files modified, ${dirty.untracked} untracked, ` +
      `${dirty.deleted} deleted; the undo change adds ${small.modified} modified, ${small.added} ` +
      `added, ${small.deleted} deleted (restore: ${restoreCounts}; undo: ${undoCounts})`,
    `${WARMUP} warm-up + ${RUNS} timed run(s) per row, cpo and baseline interleaved; ` +
      `${snapshotRefs} snapshot refs at the end; whole bench ${totalS} s`,
  ])
  const doc = [
    `## cpo benchmark — ${new Date().toISOString()}`,
    '',
    machine,
    '',
    table,
    '',
    'Times are wall-clock, process spawn to exit, one process per command (cpo runs as',
    '`node bin/cpo.js … -C <repo>`). Ratio = cpo median / baseline median. See bench/README.md.',
    ...profileSection(profiles),
    '',
  ].join('\n')
  publish(doc, 'results.md')
}

try {
  main()
} catch (e) {
  log(`bench failed: ${e instanceof Error ? e.message : String(e)}`)
  process.exitCode = 1
} finally {
  cleanup()
}

runBackupBench()
runLifecycleBench()
