// Stage / checkpoint / rollback benchmark: `cpo stage start`, `cpo checkpoint create` and
// `cpo rollback stage` against the raw-git recipe for the same step, in the same run, on the
// synthetic repository of bench/repo.mjs (plus a master-project.json with many independent
// stages). cpo and the recipe are interleaved in one loop; every timing is one process per command,
// spawn to exit. Run alone (`node bench/lifecycle.mjs`) or call runLifecycleBench() from
// bench/run.mjs. Writes bench/results-lifecycle.md. No timing is asserted; a failing command (or a
// state check between repetitions) fails the bench.
import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
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
  runPart,
  stats,
  timed,
} from './measure.mjs'
import { profile } from './profile.mjs'
import { benchEnv, buildRepo, git, prng } from './repo.mjs'

const JQ = process.env.CPO_BENCH_JQ || '/usr/bin/jq'
const STATE = 'master-project.json'
const EDITS_PER_STEP = 3 // files changed before each stage start / checkpoint, on both sides
const ROLLBACK_FILES = 20 // files changed (in two commits) between the stage start and the rollback
const LIST_TAGS = 2000 // checkpoint tags `cpo checkpoint list` reads

const log = (s) => process.stderr.write(`${s}\n`)
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** A realistic state file: `count` stages S1..Sn in 5 epics, no dependencies, all pending. */
export function projectJson(count) {
  const epics = 5
  const perEpic = Math.ceil(count / epics)
  const stages = Array.from({ length: count }, (_, i) => ({
    id: `S${i + 1}`,
    epicId: `E${Math.floor(i / perEpic) + 1}`,
    name: `Stage ${i + 1}`,
    status: 'pending',
    dependsOn: [],
    stories: Array.from({ length: 4 }, (_, j) => ({
      id: `S${i + 1}-US-00${j + 1}`,
      title: `Story ${j + 1} of stage ${i + 1}`,
      priority: j + 1,
      passes: false,
      attempts: 0,
      completedAt: null,
    })),
    startedAt: null,
    completedAt: null,
    testedAt: null,
    feedbackLoop: { iterations: 0, status: 'pending', history: [], approvedAt: null },
  }))
  const doc = {
    project: {
      name: 'bench-lifecycle',
      description: 'synthetic repository for the cpo stage/checkpoint/rollback benchmark',
      version: '0.1.0',
      createdAt: '2025-01-01T00:00:00.000Z',
      status: 'in_progress',
    },
    productDefinition: { techStack: { database: 'postgres', orm: 'drizzle', hosting: 'vercel' } },
    epics: Array.from({ length: epics }, (_, e) => ({
      id: `E${e + 1}`,
      name: `Epic ${e + 1}`,
      status: 'pending',
      dependsOn: [],
      stages: stages.filter((s) => s.epicId === `E${e + 1}`).map((s) => s.id),
    })),
    stages,
    currentStage: null,
    currentPhase: 3,
    verification: { typecheck: 'tsc', test: 'vitest', lint: 'biome', build: 'vite', e2e: '' },
    repository: { url: null, branch: 'main', lastCommit: null },
    progress: {
      phase: 'execution',
      completedEpics: 0,
      completedStages: 0,
      completedStories: 0,
      totalEpics: epics,
      totalStages: count,
      totalStories: count * 4,
    },
  }
  return `${JSON.stringify(doc, null, 2)}\n`
}

export function lifecycleBench() {
  requireBuild()
  if (!existsSync(JQ)) throw new Error(`${JQ} is missing (set CPO_BENCH_JQ)`)
  const FILES = intEnv('CPO_BENCH_FILES', 20000, 10)
  const RUNS = intEnv('CPO_BENCH_RUNS', 7, 1)
  const WARMUP = intEnv('CPO_BENCH_WARMUP', 1, 0)
  const PROFILE = process.env.CPO_BENCH_PROFILE === '1'
  const reps = WARMUP + RUNS
  // One fresh stage per stage-start repetition, one per profile run, one to roll back.
  const STAGES = Math.max(30, reps + 3)
  const began = Date.now()
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cpo-bench-lifecycle-'))
  const cleanup = () => rmSync(tmp, { recursive: true, force: true })
  const onSignal = () => {
    cleanup()
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const root = path.join(tmp, 'repo')
    const opts = { cwd: root, env: benchEnv() }
    const cpo = (...args) => ['node', [CPO, ...args, '--json', '-C', root]]
    const gitCmd = (...args) => ['git', args]
    const head = () => git(root, ['rev-parse', 'HEAD']).trim()
    const status = () => git(root, ['status', '--porcelain', '--untracked-files=all'])
    const ok = (out, what) => {
      const doc = JSON.parse(out)
      if (!doc.ok) throw new Error(`${what}: ${JSON.stringify(doc.error)}`)
      return doc.data
    }

    // --- the repository ------------------------------------------------------------------------
    log(`lifecycle bench: building a synthetic repository of ${FILES} files in ${root}`)
    const t = Date.now()
    const files = buildRepo(root, FILES)
    writeFileSync(path.join(root, STATE), projectJson(STAGES))
    git(root, ['commit', '-q', '-am', `chore: plan ${STAGES} stages`])
    run('node', [CPO, 'init', '--json', '-C', root], opts)
    // As in bench/run.mjs: no index entry may stay racily clean.
    sleep(1100)
    git(root, ['update-index', '-q', '--refresh'])
    const tracked = git(root, ['ls-files', '-z']).split('\0').filter(Boolean).length
    const setupMs = Date.now() - t
    log(`repository ready in ${(setupMs / 1000).toFixed(1)} s (${tracked} tracked files)`)

    // The same edit on both sides: append one line to each of `count` files picked by `seed`.
    const edit = (seed, count, label) => {
      const rand = prng(seed)
      const picked = new Set()
      while (picked.size < count) picked.add(files[Math.floor(rand() * files.length)])
      for (const rel of picked) appendFileSync(path.join(root, rel), `// ${label}\n`)
      return picked.size
    }
    let nextStage = 1
    const takeStage = () => {
      if (nextStage > STAGES) throw new Error('ran out of stages')
      return nextStage++
    }

    const repeat = (label, step) => {
      const samples = {}
      for (let i = 0; i < reps; i++) {
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

    // --- 1. cpo stage start vs git add -A + commit --allow-empty + tag -a ------------------------
    // Each repetition: the same 3 files edited (untimed) before each side. cpo starts the next
    // pending stage (S1, S2, …; no dependencies, so each is startable): the checkpoint commit and
    // tag, then its state-file edit (stage in_progress) committed alone as
    // `chore(stage-N): start …`; both sides leave a clean tree (checked).
    const stageStart = repeat('stage start', (i) => {
      const n = takeStage()
      edit(1000 + i, EDITS_PER_STEP, `stage ${n} cpo`)
      const c = timed([cpo('stage', 'start', `S${n}`)], opts)
      const data = ok(c.outputs[0], 'cpo stage start')
      if (data.tag !== `checkpoint/stage-${n}-start`) throw new Error(`unexpected tag ${data.tag}`)
      if (status() !== '') throw new Error('tree not clean after cpo stage start')
      edit(1000 + i, EDITS_PER_STEP, `stage ${n} raw`)
      const msg = `checkpoint: before Stage ${n} - Stage ${n} (raw)`
      const r = timed(
        [
          gitCmd('add', '-A'),
          gitCmd('commit', '-q', '--allow-empty', '-m', msg),
          gitCmd('tag', '-a', `raw/stage-${n}-start`, '-m', msg),
        ],
        opts,
      )
      if (status() !== '') throw new Error('tree not clean after the raw stage start')
      return { cpo: c.ms, raw: r.ms }
    })

    // --- 2. cpo checkpoint create vs the same recipe ---------------------------------------------
    const checkpoint = repeat('checkpoint create', (i) => {
      edit(2000 + i, EDITS_PER_STEP, `checkpoint ${i} cpo`)
      const c = timed([cpo('checkpoint', 'create', `bench-${i}`, '-m', 'bench')], opts)
      const data = ok(c.outputs[0], 'cpo checkpoint create')
      if (data.committed === null) throw new Error('cpo checkpoint create committed nothing')
      if (status() !== '') throw new Error('tree not clean after cpo checkpoint create')
      edit(2000 + i, EDITS_PER_STEP, `checkpoint ${i} raw`)
      const msg = `checkpoint: raw-${i} - bench`
      const r = timed(
        [
          gitCmd('add', '-A'),
          gitCmd('commit', '-q', '--allow-empty', '-m', msg),
          gitCmd('tag', '-a', `raw/cp-${i}`, '-m', msg),
        ],
        opts,
      )
      if (status() !== '') throw new Error('tree not clean after the raw checkpoint')
      return { cpo: c.ms, raw: r.ms }
    })

    // --- 3. cpo rollback stage vs git reset --hard + jq + commit ---------------------------------
    // Starting point H (set up once, untimed): `cpo stage start` of a fresh stage R, then 20 files
    // edited and committed in two commits (the first also holds R's in_progress state). Each
    // repetition starts at H with a clean tree: cpo rolls back to checkpoint/stage-R-start
    // (timed), `cpo undo` returns to H (untimed, checked); then the recipe (timed): read the
    // state file through jq with stage R set to pending, `git reset --hard` to the tag, write the
    // file, `git add` + `git commit` it (`git commit <path>` builds a temporary index and costs
    // ~45 ms more at 20,000 files); `git reset --hard H` (untimed, checked).
    const R = takeStage()
    ok(run(...cpo('stage', 'start', `S${R}`), opts), 'cpo stage start (rollback setup)')
    edit(3000, ROLLBACK_FILES / 2, `stage ${R} work 1`)
    git(root, ['add', '-A'])
    git(root, ['commit', '-q', '-m', `feat(stage-${R}): first half`])
    edit(3001, ROLLBACK_FILES / 2, `stage ${R} work 2`)
    git(root, ['commit', '-q', '-am', `feat(stage-${R}): second half`])
    const H = head()
    const tag = `checkpoint/stage-${R}-start`
    const target = git(root, ['rev-parse', `${tag}^{commit}`]).trim()
    const changed = git(root, ['diff', '--name-only', target, H]).split('\n').filter(Boolean)
    const filter = '(.stages[] | select(.id == $id)) |= (.status = "pending" | .startedAt = null)'
    const atStart = () => {
      if (head() !== H) throw new Error('not back at the rollback starting point')
      if (status() !== '') throw new Error(`tree not clean at the starting point:\n${status()}`)
    }
    const rolledBack = (who) => {
      if (git(root, ['rev-parse', 'HEAD~1']).trim() !== target) {
        throw new Error(`${who}: HEAD~1 is not ${tag}`)
      }
    }
    const rollback = repeat('rollback stage', () => {
      atStart()
      const c = timed(
        [cpo('rollback', 'stage', String(R), '--reason', 'bench rollback', '--yes')],
        opts,
      )
      ok(c.outputs[0], 'cpo rollback stage')
      rolledBack('cpo rollback stage')
      ok(run(...cpo('undo'), opts), 'cpo undo')
      atStart()
      const start = process.hrtime.bigint()
      const edited = run(JQ, ['--arg', 'id', `S${R}`, filter, STATE], opts)
      run('git', ['reset', '-q', '--hard', tag], opts)
      writeFileSync(path.join(root, STATE), edited)
      run('git', ['add', STATE], opts)
      run('git', ['commit', '-q', '--allow-empty', '-m', `rollback(stage-${R}): bench`], opts)
      const raw = Number(process.hrtime.bigint() - start) / 1e6
      rolledBack('raw rollback')
      git(root, ['reset', '-q', '--hard', H])
      return { cpo: c.ms, raw }
    })
    atStart()

    let profiles = ''
    if (PROFILE) {
      const p = (label, cmds) => profile(label, cmds, { ...opts, scratch: tmp })
      const n = takeStage()
      edit(4000, EDITS_PER_STEP, 'profile stage')
      const parts = [p(`cpo stage start S${n}`, [cpo('stage', 'start', `S${n}`)])]
      edit(4001, EDITS_PER_STEP, 'profile checkpoint')
      parts.push(p('cpo checkpoint create', [cpo('checkpoint', 'create', 'bench-profile')]))
      const reason = ['--reason', 'bench profile', '--yes']
      git(root, ['reset', '-q', '--hard', H]) // back to the rollback starting point
      parts.push(p(`cpo rollback stage ${R}`, [cpo('rollback', 'stage', String(R), ...reason)]))
      profiles = parts.join('\n\n')
    }

    // --- 4. cpo checkpoint list with 2,000 checkpoints -------------------------------------------
    // 2,000 annotated tags with cpo's metadata, made in one `git fast-import` (untimed, and after
    // the profiles above, which run without them); the list must read them with one
    // for-each-ref. Target (issue 15): under 120 ms on a quiet machine and ≤ 4× the bare
    // for-each-ref of the same tags.
    const listHead = head()
    const stream = Array.from({ length: LIST_TAGS }, (_, i) => {
      const name = `bench-list-${String(i).padStart(4, '0')}`
      const meta = {
        v: 1,
        tool: 'cpo',
        kind: 'manual',
        name,
        stage: null,
        phase: 3,
        time: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
        branch: 'refs/heads/main',
        head: listHead,
        snapshot: null,
        version: 'bench',
        message: null,
      }
      const msg = `checkpoint: ${name}\n\n${JSON.stringify(meta, null, 2)}\n`
      const when = 1767225600 + i * 60
      return `tag checkpoint/${name}\nfrom ${listHead}\ntagger cpo <cpo@localhost> ${when} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}\n`
    }).join('')
    const imported = spawnSync('git', ['fast-import', '--quiet'], { ...opts, input: stream })
    if (imported.status !== 0) throw new Error(`git fast-import failed: ${imported.stderr}`)
    const list = repeat('checkpoint list', () => {
      const c = timed([cpo('checkpoint', 'list')], opts)
      const data = ok(c.outputs[0], 'cpo checkpoint list')
      const rows = Array.isArray(data) ? data : (data.checkpoints ?? [])
      const listed = rows.filter((r) => String(r.name).startsWith('bench-list-')).length
      if (listed !== LIST_TAGS) throw new Error(`checkpoint list showed ${listed} of ${LIST_TAGS}`)
      const r = timed([gitCmd('for-each-ref', 'refs/tags/checkpoint/')], opts)
      return { cpo: c.ms, raw: r.ms }
    })

    const tags = git(root, ['tag', '-l']).split('\n').filter(Boolean).length
    const snapshots = git(root, ['for-each-ref', 'refs/cpo/snapshots']).split('\n').length - 1

    // --- report ----------------------------------------------------------------------------------
    const recipe = '`git add -A` + `commit --allow-empty` + `tag -a`'
    const table = resultsTable([
      {
        op: '`cpo stage start <stage>`',
        cpo: stageStart.cpo,
        baseline: recipe,
        base: stageStart.raw,
        target: '≤ 1.5×',
        check: (_, ratio) => ratio <= 1.5,
      },
      {
        op: '`cpo checkpoint create <name>`',
        cpo: checkpoint.cpo,
        baseline: recipe,
        base: checkpoint.raw,
        target: '≤ 1.5×',
        check: (_, ratio) => ratio <= 1.5,
      },
      {
        op: '`cpo rollback stage <N> --yes`',
        cpo: rollback.cpo,
        baseline: '`jq` + `git reset --hard <tag>` + write + `git add` + `git commit`',
        base: rollback.raw,
        target: '≤ 2×',
        check: (_, ratio) => ratio <= 2,
      },
      {
        op: `\`cpo checkpoint list\` (${LIST_TAGS} checkpoints)`,
        cpo: list.cpo,
        baseline: '`git for-each-ref refs/tags/checkpoint/`',
        base: list.raw,
        target: '< 120 ms, ≤ 4×',
        check: (s, ratio) => s.median < 120 && ratio <= 4,
      },
    ])
    const totalS = ((Date.now() - began) / 1000).toFixed(1)
    const machine = machineLines(machineInfo(), [
      `repository: ${tracked} tracked files (CPO_BENCH_FILES=${FILES}), bench/repo.mjs plus a ` +
        `master-project.json of ${STAGES} independent stages and \`cpo init\`; built in ` +
        `${(setupMs / 1000).toFixed(1)} s`,
      `stage start / checkpoint: ${EDITS_PER_STEP} tracked files edited before each side of each ` +
        `repetition; rollback: ${changed.length} files differ between checkpoint/stage-${R}-start ` +
        `and the starting point (2 commits)`,
      `${WARMUP} warm-up + ${RUNS} timed run(s) per row, cpo and baseline interleaved; ` +
        `${tags} tags and ${snapshots} snapshot refs at the end; whole bench ${totalS} s`,
    ])
    const doc = [
      `## cpo stage / checkpoint / rollback benchmark — ${new Date().toISOString()}`,
      '',
      machine,
      '',
      table,
      '',
      'Times are wall-clock, process spawn to exit, one process per command (cpo runs as',
      '`node bin/cpo.js … --json -C <repo>`). Ratio = cpo median / baseline median. See',
      'bench/README.md.',
      ...profileSection(profiles),
      '',
    ].join('\n')
    publish(doc, 'results-lifecycle.md')
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    cleanup()
  }
}

/** The entry point for bench/run.mjs and the command line; CPO_BENCH_LIFECYCLE=0 skips it. */
export const runLifecycleBench = () => runPart('lifecycle', 'CPO_BENCH_LIFECYCLE', lifecycleBench)

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runLifecycleBench()
