// Scale benchmark: the shapes where cpo's cost could grow with the repository instead of with the
// change — a long history with thousands of tags, thousands of untracked files, a 100k-file tree.
// Each row is timed against its like-for-like raw-git recipe in the same loop (interleaved), and,
// with CPO_BENCH_BEFORE=<other build's bin/cpo.js>, against that build as a third side in the
// same loop, so before/after ratios come from one run on the same repository. Writes
// bench/results-scale.md. No timing is asserted; a failing command or state check fails the
// bench. See bench/README.md ("Scale").
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { projectJson } from './lifecycle.mjs'
import {
  CPO,
  intEnv,
  machineInfo,
  machineLines,
  publish,
  requireBuild,
  resultsTable,
  run,
  runPart,
  stats,
} from './measure.mjs'
import { benchEnv, buildRepo, git, prng } from './repo.mjs'

const JQ = process.env.CPO_BENCH_JQ || '/usr/bin/jq'
const STATE = 'master-project.json'
const BEFORE = process.env.CPO_BENCH_BEFORE ? path.resolve(process.env.CPO_BENCH_BEFORE) : null
const PARTS = new Set((process.env.CPO_BENCH_SCALE_PARTS || 'history,untracked').split(','))
const log = (s) => process.stderr.write(`${s}\n`)
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6
const STAGE_FILTER = '(.stages[] | select(.id == $id)) |= (.status = "pending" | .startedAt = null)'

/** The cpo builds timed: this one, and the "before" build when one is given. */
const clis = () => [['cpo', CPO], ...(BEFORE ? [['before', BEFORE]] : [])]

function ok(out, what) {
  const doc = JSON.parse(out)
  if (!doc.ok) throw new Error(`${what}: ${JSON.stringify(doc.error)}`)
  return doc.data
}

/** WARMUP + RUNS repetitions of `step` (returns { side: ms }); warm-up results are dropped. */
function repeat(label, step) {
  const RUNS = intEnv('CPO_BENCH_RUNS', 5, 1)
  const WARMUP = intEnv('CPO_BENCH_WARMUP', 1, 0)
  const samples = {}
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const got = step(i)
    if (i < WARMUP) continue
    for (const [k, v] of Object.entries(got)) samples[k] = [...(samples[k] ?? []), v]
  }
  const out = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]))
  log(
    `${label}: ${Object.entries(out)
      .map(([k, s]) => `${k} ${s.median.toFixed(1)} ms`)
      .join(', ')}`,
  )
  return out
}

/** Table rows for one measured row: this build, and the before build when measured. */
function rows(op, result, baseline, target, check) {
  const out = [{ op, cpo: result.cpo, baseline, base: result.base, target, check }]
  if (result.before) {
    out.push({ op: `${op} — before`, cpo: result.before, baseline, base: result.base, target })
  }
  return out
}

/** `git add -A` + `write-tree` on a copy of the index: what a snapshot's tree costs git itself. */
function tempIndexTree(root, env, scratch) {
  const start = process.hrtime.bigint()
  copyFileSync(path.join(root, '.git', 'index'), scratch)
  const e = { ...env, GIT_INDEX_FILE: scratch }
  run('git', ['add', '-A'], { cwd: root, env: e })
  run('git', ['write-tree'], { cwd: root, env: e })
  const t = ms(start)
  rmSync(scratch, { force: true })
  return t
}

function timeOne(cmd, args, opts) {
  const start = process.hrtime.bigint()
  const out = run(cmd, args, opts)
  return { ms: ms(start), out }
}

/** Bytes of snapshot metadata one snapshot adds: its commit object plus a refs blob if any. */
function snapshotMetaBytes(root, id) {
  const commit = git(root, ['rev-parse', `refs/cpo/snapshots/${id}`]).trim()
  const body = git(root, ['cat-file', 'commit', commit])
  const meta = JSON.parse(body.trim().split('\n').at(-1))
  const blob = meta.refsBlob ? Number(git(root, ['cat-file', '-s', meta.refsBlob]).trim()) : 0
  return { commit: Buffer.byteLength(body), refsBlob: blob }
}

/** Loose objects of the repository: name → bytes on disk. */
function looseObjectBytes(root) {
  const out = new Map()
  const dir = path.join(root, '.git', 'objects')
  for (const fan of readdirSync(dir)) {
    if (!/^[0-9a-f]{2}$/.test(fan)) continue
    for (const f of readdirSync(path.join(dir, fan))) {
      out.set(fan + f, statSync(path.join(dir, fan, f)).size)
    }
  }
  return out
}

/**
 * What one operation that changes a ref writes to the object store: a tag is added, then one
 * `cpo snapshot` of the same files runs; the bytes and count of loose objects that appeared
 * (its commits plus the refs' metadata: the whole refs blob before the trie, a leaf and the trees
 * above it with it). Medians over the runs, each build on its own fresh tag.
 */
function metadataPerOperation(root, opts) {
  const runs = intEnv('CPO_BENCH_RUNS', 5, 1)
  const sides = Object.fromEntries(clis().map(([side]) => [side, []]))
  for (let i = 0; i < runs; i++) {
    for (const [side, cli] of clis()) {
      git(root, ['tag', `bench-meta-${side}-${i}`])
      const before = looseObjectBytes(root)
      ok(run('node', [cli, 'snapshot', '--json', '-C', root], opts), `${side} snapshot`)
      let bytes = 0
      let count = 0
      for (const [name, size] of looseObjectBytes(root)) {
        if (!before.has(name)) {
          bytes += size
          count++
        }
      }
      sides[side].push({ bytes, count })
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  return Object.fromEntries(
    Object.entries(sides).map(([side, xs]) => [
      side,
      { bytes: median(xs.map((x) => x.bytes)), count: median(xs.map((x) => x.count)) },
    ]),
  )
}

/**
 * A long history in one `git fast-import`: `files` small files, `commits` commits in the CPO
 * workflow's message conventions over 25 stages (a `checkpoint: before Stage k` commit, story
 * and stage-work commits touching one file each, a `merge: Stage Sk`), `tags` tags — half of them
 * annotated checkpoint tags with cpo's metadata, half lightweight build tags.
 */
export function buildHistory(root, { files, commits, tags }) {
  mkdirSync(root, { recursive: true })
  git(root, ['init', '-q', '-b', 'main'])
  for (const [k, v] of [
    ['user.name', 'Bench'],
    ['user.email', 'bench@example.com'],
    ['gc.auto', '0'],
    ['commit.gpgsign', 'false'],
  ]) {
    git(root, ['config', k, v])
  }
  const rand = prng(0x1157)
  const names = Array.from(
    { length: files },
    (_, i) => `src/mod-${String(i % 97).padStart(2, '0')}/file-${i}.ts`,
  )
  const plan = JSON.parse(projectJson(30))
  for (const s of plan.stages.slice(0, 25)) {
    s.status = 'completed'
    s.startedAt = '2025-01-01T00:00:00.000Z'
    s.completedAt = '2025-01-02T00:00:00.000Z'
  }
  const chunks = []
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`
  const body = (i, v) =>
    `// ${names[i]} v${v}\nexport const value${i} = ${Math.floor(rand() * 1e9)}\n`
  const t0 = 1_700_000_000
  const perStage = Math.floor(commits / 25)
  let mark = 0
  const commitMarks = []
  const commit = (subject, changes) => {
    mark++
    const when = t0 + mark * 60
    chunks.push(
      `commit refs/heads/main\nmark :${mark}\ncommitter Bench <bench@example.com> ${when} +0000\n`,
      data(subject),
      ...changes,
      '\n',
    )
    commitMarks.push(mark)
  }
  commit('feat: initial import', [
    ...names.map((n, i) => `M 100644 inline ${n}\n${data(body(i, 0))}`),
    `M 100644 inline ${STATE}\n${data(`${JSON.stringify(plan, null, 2)}\n`)}`,
    `M 100644 inline .gitignore\n${data('node_modules/\n*.log\n')}`,
  ])
  for (let n = 1; n < commits; n++) {
    const stage = Math.min(25, Math.floor((n - 1) / perStage) + 1)
    const at = (n - 1) % perStage
    const file = Math.floor(rand() * files)
    const touch = [`M 100644 inline ${names[file]}\n${data(body(file, n))}`]
    if (at === 0) commit(`checkpoint: before Stage ${stage} - Stage ${stage}`, [])
    else if (at === perStage - 1) commit(`merge: Stage S${stage}`, touch)
    else if (at % 3 === 0) commit(`feat(stage-${stage}): work ${n}`, touch)
    else commit(`feat(S${stage}-US-00${1 + (at % 4)}): story ${n}`, touch)
  }
  const checkpointTags = Math.floor(tags / 2)
  for (let i = 0; i < tags; i++) {
    const target = commitMarks[Math.floor((i * commitMarks.length) / tags)]
    if (i < checkpointTags) {
      const name = `bench-history-${String(i).padStart(4, '0')}`
      const meta = {
        v: 1,
        tool: 'cpo',
        kind: 'manual',
        name,
        stage: null,
        phase: 3,
        time: new Date((t0 + target * 60) * 1000).toISOString(),
        branch: 'refs/heads/main',
        head: null,
        snapshot: null,
        version: 'bench',
        message: null,
      }
      chunks.push(
        `tag checkpoint/${name}\nfrom :${target}\ntagger Bench <bench@example.com> ${t0 + target * 60} +0000\n`,
        data(`checkpoint: ${name}\n\n${JSON.stringify(meta, null, 2)}\n`),
      )
    } else {
      chunks.push(`reset refs/tags/build/${String(i).padStart(5, '0')}\nfrom :${target}\n\n`)
    }
  }
  const imported = spawnSync('git', ['fast-import', '--quiet'], {
    cwd: root,
    env: benchEnv(),
    input: chunks.join(''),
    maxBuffer: 64 * 1024 * 1024,
  })
  if (imported.status !== 0) throw new Error(`git fast-import failed: ${imported.stderr}`)
  git(root, ['reset', '-q', '--hard', 'main'])
  return names
}

/** The same edit on disk: one line appended to `count` files picked by `seed`. */
function edit(root, names, seed, count, label) {
  const rand = prng(seed)
  const picked = new Set()
  while (picked.size < count) picked.add(names[Math.floor(rand() * names.length)])
  for (const rel of picked) writeFileSync(path.join(root, rel), `// ${label}\n`, { flag: 'a' })
}

/**
 * Rollback setup shared by the parts: `cpo stage start S<R>`, then 20 files edited and committed
 * in two commits. Returns what the rollback rows check against.
 */
function rollbackStart(root, opts, names, R) {
  ok(run('node', [CPO, 'stage', 'start', `S${R}`, '--json', '-C', root], opts), 'stage start')
  edit(root, names, 3000, 10, `stage ${R} work 1`)
  git(root, ['add', '-A'])
  git(root, ['commit', '-q', '-m', `feat(stage-${R}): first half`])
  edit(root, names, 3001, 10, `stage ${R} work 2`)
  git(root, ['commit', '-q', '-am', `feat(stage-${R}): second half`])
  const H = git(root, ['rev-parse', 'HEAD']).trim()
  const tag = `checkpoint/stage-${R}-start`
  const target = git(root, ['rev-parse', `${tag}^{commit}`]).trim()
  return { H, tag, target }
}

/**
 * One rollback row: each repetition starts at H; every cpo build rolls back (timed) and is
 * undone (untimed); then the recipe (timed) and `reset --hard H` (untimed). `aside` adds the
 * like-for-like step for untracked work: `git stash push -u` before the reset, popped after.
 */
function rollbackRow(label, root, opts, R, start, { aside, untracked }) {
  const { H, tag, target } = start
  const head = () => git(root, ['rev-parse', 'HEAD']).trim()
  const count = () =>
    git(root, ['status', '--porcelain', '--untracked-files=all']).split('\n').filter(Boolean).length
  const atStart = () => {
    if (head() !== H) throw new Error(`${label}: not back at the starting point`)
    if (count() !== untracked) throw new Error(`${label}: ${count()} changes, not ${untracked}`)
  }
  const rolledBack = (who) => {
    if (git(root, ['rev-parse', 'HEAD~1']).trim() !== target) throw new Error(`${who}: wrong HEAD`)
  }
  return repeat(label, () => {
    const out = {}
    for (const [side, cli] of clis()) {
      atStart()
      const args = [cli, 'rollback', 'stage', String(R), '--reason', 'bench', '--yes', '--json']
      const c = timeOne('node', [...args, '-C', root], opts)
      ok(c.out, `${side} rollback stage`)
      rolledBack(side)
      ok(run('node', [cli, 'undo', '--json', '-C', root], opts), `${side} undo`)
      out[side] = c.ms
    }
    atStart()
    const t = process.hrtime.bigint()
    if (aside) run('git', ['stash', 'push', '-u', '-q'], opts)
    const edited = run(JQ, ['--arg', 'id', `S${R}`, STAGE_FILTER, STATE], opts)
    run('git', ['reset', '-q', '--hard', tag], opts)
    writeFileSync(path.join(root, STATE), edited)
    run('git', ['add', STATE], opts)
    run('git', ['commit', '-q', '--allow-empty', '-m', `rollback(stage-${R}): bench`], opts)
    out.base = ms(t)
    rolledBack('recipe')
    git(root, ['reset', '-q', '--hard', H])
    if (aside) git(root, ['stash', 'pop', '-q'])
    return out
  })
}

/** cpo snapshot (each build) against a temp-index `add -A` + `write-tree`. */
function snapshotRow(label, root, opts, scratch) {
  let last
  const result = repeat(label, () => {
    const out = {}
    for (const [side, cli] of clis()) {
      const c = timeOne('node', [cli, 'snapshot', '--json', '-C', root], opts)
      const data = ok(c.out, `${side} snapshot`)
      if (side === 'cpo') last = data.snapshot.id
      out[side] = c.ms
    }
    out.base = tempIndexTree(root, opts.env, scratch)
    return out
  })
  return { ...result, meta: snapshotMetaBytes(root, last) }
}

function historyPart(tmp, doc) {
  const commits = intEnv('CPO_BENCH_HISTORY_COMMITS', 15000, 100)
  const tags = intEnv('CPO_BENCH_HISTORY_TAGS', 3000, 2)
  const files = intEnv('CPO_BENCH_HISTORY_FILES', 2000, 10)
  const root = path.join(tmp, 'history')
  const opts = { cwd: root, env: benchEnv() }
  const t = Date.now()
  const names = buildHistory(root, { files, commits, tags })
  run('node', [CPO, 'init', '--json', '-C', root], opts)
  const R = 26
  const start = rollbackStart(root, opts, names, R)
  sleep(1100)
  git(root, ['update-index', '-q', '--refresh'])
  const built = ((Date.now() - t) / 1000).toFixed(1)
  const refs = git(root, ['for-each-ref', '--format=x', 'refs/tags', 'refs/heads']).split('\n')
  log(`history repository: ${commits} commits, ${refs.length - 1} refs, built in ${built} s`)

  const rollback = rollbackRow('history rollback stage', root, opts, R, start, {
    aside: false,
    untracked: 0,
  })
  const list = repeat('history checkpoint list', () => {
    const out = {}
    for (const [side, cli] of clis()) {
      const c = timeOne('node', [cli, 'checkpoint', 'list', '--json', '-C', root], opts)
      ok(c.out, `${side} checkpoint list`)
      out[side] = c.ms
    }
    out.base = timeOne('git', ['for-each-ref', 'refs/tags/checkpoint/'], opts).ms
    return out
  })
  edit(root, names, 4000, 5, 'dirty')
  const snapshot = snapshotRow('history snapshot', root, opts, path.join(tmp, 'scratch-index'))
  const perOperation = metadataPerOperation(root, opts)
  const written = (side) =>
    perOperation[side]
      ? `${perOperation[side].bytes} B in ${perOperation[side].count} loose objects`
      : 'not run'
  doc.push(
    `### Long history: ${commits} commits, ${tags} tags (${Math.floor(tags / 2)} checkpoint tags), ${files} files`,
    '',
    resultsTable([
      ...rows(
        '`cpo rollback stage` (20 files)',
        rollback,
        '`jq` + `reset --hard <tag>` + write + `add` + `commit`',
        '≤ 2×',
        (_, r) => r <= 2,
      ),
      ...rows(
        '`cpo checkpoint list`',
        list,
        '`git for-each-ref refs/tags/checkpoint/`',
        '≤ 4×',
        (_, r) => r <= 4,
      ),
      ...rows(
        '`cpo snapshot` (5 files dirty)',
        snapshot,
        'temp-index `add -A` + `write-tree`',
        '—',
      ),
    ]),
    '',
    `Snapshot metadata of the last snapshot: commit object ${snapshot.meta.commit} bytes, refs blob ${snapshot.meta.refsBlob} bytes (0: the refs are a trie, or shared by every snapshot with the same refs).`,
    '',
    `Snapshot metadata per operation (a tag added, then \`cpo snapshot\`; objects newly written, deflated on disk, median of ${intEnv('CPO_BENCH_RUNS', 5, 1)}): cpo ${written('cpo')}; before ${written('before')}.`,
    '',
  )
}

function untrackedPart(tmp, doc) {
  const FILES = intEnv('CPO_BENCH_FILES', 20000, 10)
  const UNTRACKED = intEnv('CPO_BENCH_UNTRACKED', 5000, 1)
  const root = path.join(tmp, 'untracked')
  const opts = { cwd: root, env: benchEnv() }
  const t = Date.now()
  const names = buildRepo(root, FILES)
  writeFileSync(path.join(root, STATE), projectJson(30))
  git(root, ['commit', '-q', '-am', 'chore: plan 30 stages'])
  run('node', [CPO, 'init', '--json', '-C', root], opts)
  const R = 1
  const start = rollbackStart(root, opts, names, R)
  const rand = prng(0x5000)
  for (let i = 0; i < UNTRACKED; i++) {
    const dir = path.join(root, 'generated', `batch-${String(i % 50).padStart(2, '0')}`)
    if (i < 50) mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, `out-${i}.txt`), `generated ${i} ${rand()}\n`.repeat(8))
  }
  sleep(1100)
  git(root, ['update-index', '-q', '--refresh'])
  const built = ((Date.now() - t) / 1000).toFixed(1)
  log(`untracked repository: ${FILES} files + ${UNTRACKED} untracked, built in ${built} s`)
  const gen = readdirSync(path.join(root, 'generated')).length
  if (gen !== Math.min(50, UNTRACKED)) throw new Error('untracked files missing')

  const snapshot = snapshotRow('untracked snapshot', root, opts, path.join(tmp, 'scratch-index'))
  const rollback = rollbackRow('untracked rollback stage', root, opts, R, start, {
    aside: true,
    untracked: UNTRACKED,
  })
  doc.push(
    `### ${FILES} files with ${UNTRACKED} untracked files`,
    '',
    resultsTable([
      ...rows(
        '`cpo snapshot`',
        snapshot,
        'temp-index `add -A` + `write-tree`',
        '≤ 1.5×',
        (_, r) => r <= 1.5,
      ),
      ...rows(
        '`cpo rollback stage` (sets the untracked files aside)',
        rollback,
        '`stash push -u` + `jq` + `reset --hard` + write + `add` + `commit`',
        '≤ 2×',
        (_, r) => r <= 2,
      ),
    ]),
    '',
  )
}

function bigPart(tmp, doc) {
  const FILES = intEnv('CPO_BENCH_BIG_FILES', 100000, 10)
  const root = path.join(tmp, 'big')
  const opts = { cwd: root, env: benchEnv() }
  const t = Date.now()
  const names = buildRepo(root, FILES)
  writeFileSync(path.join(root, STATE), projectJson(30))
  git(root, ['commit', '-q', '-am', 'chore: plan 30 stages'])
  run('node', [CPO, 'init', '--json', '-C', root], opts)
  sleep(1100)
  git(root, ['update-index', '-q', '--refresh'])
  log(`big repository: ${FILES} files, built in ${((Date.now() - t) / 1000).toFixed(1)} s`)
  edit(root, names, 5000, 3, 'dirty')
  const snapshot = snapshotRow('big snapshot', root, opts, path.join(tmp, 'scratch-index'))
  const clean = () => {
    if (git(root, ['status', '--porcelain']) !== '') throw new Error('tree not clean')
  }
  const checkpoint = repeat('big checkpoint create', (i) => {
    const out = {}
    for (const [side, cli] of clis()) {
      edit(root, names, 6000 + i, 3, `${side} ${i}`)
      const name = `big-${side}-${i}`
      const c = timeOne(
        'node',
        [cli, 'checkpoint', 'create', name, '-m', 'b', '--json', '-C', root],
        opts,
      )
      ok(c.out, `${side} checkpoint create`)
      clean()
      out[side] = c.ms
    }
    edit(root, names, 6000 + i, 3, `raw ${i}`)
    const s = process.hrtime.bigint()
    run('git', ['add', '-A'], opts)
    run('git', ['commit', '-q', '--allow-empty', '-m', `raw ${i}`], opts)
    run('git', ['tag', '-a', `raw/big-${i}`, '-m', `raw ${i}`], opts)
    out.base = ms(s)
    clean()
    return out
  })
  // As bench/lifecycle.mjs's stage start row: the next pending stage each time (one per side and
  // repetition, so the state file's 30 stages cover up to 14 repetitions of two builds).
  let nextStage = 1
  const stageStart = repeat('big stage start', (i) => {
    const out = {}
    for (const [side, cli] of clis()) {
      edit(root, names, 7000 + i, 3, `${side} stage ${i}`)
      const n = nextStage++
      if (n > 30)
        throw new Error('more stage starts than the 30 planned stages: lower CPO_BENCH_RUNS')
      const c = timeOne('node', [cli, 'stage', 'start', `S${n}`, '--json', '-C', root], opts)
      ok(c.out, `${side} stage start`)
      clean()
      out[side] = c.ms
    }
    edit(root, names, 7000 + i, 3, `raw stage ${i}`)
    const msg = `checkpoint: before Stage ${i} (raw)`
    const s = process.hrtime.bigint()
    run('git', ['add', '-A'], opts)
    run('git', ['commit', '-q', '--allow-empty', '-m', msg], opts)
    run('git', ['tag', '-a', `raw/big-stage-${i}`, '-m', msg], opts)
    out.base = ms(s)
    clean()
    return out
  })
  doc.push(
    `### ${FILES} files`,
    '',
    resultsTable([
      ...rows(
        '`cpo snapshot` (3 files dirty)',
        snapshot,
        'temp-index `add -A` + `write-tree`',
        '≤ 1.2×',
        (_, r) => r <= 1.2,
      ),
      ...rows(
        '`cpo checkpoint create`',
        checkpoint,
        '`add -A` + `commit` + `tag -a`',
        '≤ 1.2×',
        (_, r) => r <= 1.2,
      ),
      ...rows(
        '`cpo stage start` (3 files dirty)',
        stageStart,
        '`add -A` + `commit` + `tag -a`',
        '≤ 1.2×',
        (_, r) => r <= 1.2,
      ),
    ]),
    '',
  )
}

export function scaleBench() {
  requireBuild()
  const began = Date.now()
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cpo-bench-scale-'))
  const cleanup = () => rmSync(tmp, { recursive: true, force: true })
  const onSignal = () => {
    cleanup()
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const doc = []
    if (PARTS.has('history')) historyPart(tmp, doc)
    if (PARTS.has('untracked')) untrackedPart(tmp, doc)
    if (PARTS.has('100k')) bigPart(tmp, doc)
    const info = machineLines(machineInfo(), [
      `parts: ${[...PARTS].join(', ')}; ${BEFORE ? `before build: ${BEFORE}; ` : ''}cpo, before and recipe interleaved in each repetition; whole bench ${((Date.now() - began) / 1000).toFixed(1)} s; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    ])
    publish(
      [`## cpo scale benchmark — ${new Date().toISOString()}`, '', info, '', ...doc].join('\n'),
      'results-scale.md',
    )
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    cleanup()
  }
}

/** The entry point for bench/run.mjs and the command line; CPO_BENCH_SCALE=0 skips it. */
export const runScaleBench = () => runPart('scale', 'CPO_BENCH_SCALE', scaleBench)

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runScaleBench()
