// Torture run: random cpo operations on a large repository, killed at random moments, while a
// separate process keeps writing files. Checks after every step that the crash protocol holds,
// and at the end that nothing anyone wrote was lost.
//
//   node scripts/build.mjs && node bench/torture.mjs [options]
//
//   --seed <n>          seed of every random choice (default: random, printed)   CPO_TORTURE_SEED
//   --iterations <n>    operations to run (default 40)                           CPO_TORTURE_ITERATIONS
//   --files <n>         tracked files in the generated repository (default 3000) CPO_TORTURE_FILES
//   --no-writer         no concurrent writer process (default: on)               CPO_TORTURE_WRITER=0
//   --kill pid|group    random SIGKILL hits the cpo process only, or also the git
//                       processes it started (default group: a power cut)        CPO_TORTURE_KILL
//   --keep              keep the repository at the end (always kept on a violation)
//
// Every step: a few edits by "the user" (between operations, logged), then one operation —
// snapshot, snapshot restore, undo, checkpoint create, stage start, rollback stage — run
// normally, with CPO_FAULT=<failpoint>, or with SIGKILL after a random delay; after a kill,
// `cpo recover` (itself killed at a failpoint now and then, then run again).
//
// Checked after every step (writer paths excluded, since the writer keeps changing them):
//   - a killed or failed operation that did not journal `done`: work tree, index, HEAD, branch,
//     branches and tags equal the state before it, once `cpo recover` ran;
//   - a completed operation (also one killed after journaling `done`): they equal its
//     after-snapshot;
//   - ignored files never change; nothing stays pending; no exit code 1 (an internal error).
// Checked at the end, after `git gc --prune=now`: every byte string the user edits and the
// writer wrote that is owed (test/helpers/lost-writes.mjs says which) is on disk or in a
// snapshot (its tree, its HEAD parent, its index parent).
//
// The first violation stops the run: it prints the seed, the step, the operation and the
// differences, keeps the repository, and exits 1. The seed repeats every choice (operations,
// failpoints, delays, edits, the writer's actions), not the timing of processes, so a race may
// need a few runs to show again. CPU: one cpo process and the writer at a time.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import {
  blobId,
  describeLost,
  owedWrites,
  readWriterLog,
  snapshotBlobs,
  workTreeBlobs,
} from '../test/helpers/lost-writes.mjs'
import { CPO, requireBuild } from './measure.mjs'
import { benchEnv, buildRepo, dirtyTree, git, prng } from './repo.mjs'

/** git whose exit codes in `ok` are answers, not failures (`symbolic-ref -q` on a detached HEAD). */
function gitMaybe(root, args, ok) {
  const r = spawnSync('git', args, { cwd: root, env: benchEnv(), encoding: 'utf8' })
  if (r.status !== 0 && !ok.includes(r.status))
    throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

const { values: flags } = parseArgs({
  options: {
    seed: { type: 'string' },
    iterations: { type: 'string' },
    files: { type: 'string' },
    writer: { type: 'boolean' },
    'no-writer': { type: 'boolean' },
    kill: { type: 'string' },
    keep: { type: 'boolean' },
  },
})
const num = (flag, env, fallback) => {
  const v = Number(flag ?? process.env[env] ?? fallback)
  if (!Number.isInteger(v) || v < 0) throw new Error(`${env}: not a whole number: ${v}`)
  return v
}
const SEED = num(flags.seed, 'CPO_TORTURE_SEED', Math.floor(Math.random() * 2 ** 31))
const ITERATIONS = num(flags.iterations, 'CPO_TORTURE_ITERATIONS', 40)
const FILES = num(flags.files, 'CPO_TORTURE_FILES', 3000)
const WRITER = !flags['no-writer'] && process.env.CPO_TORTURE_WRITER !== '0'
const KILL = flags.kill ?? process.env.CPO_TORTURE_KILL ?? 'group'
if (KILL !== 'pid' && KILL !== 'group') throw new Error(`--kill takes pid or group, not ${KILL}`)

// The points every journaled restore passes, from the build under test (README.md, Configuration).
const { OPERATION_FAILPOINTS: FAILPOINTS } = await import('../dist/index.js')
const WRITER_SCRIPT = path.resolve(import.meta.dirname, '../test/helpers/writer.mjs')
const rand = prng(SEED)
const pick = (list) => list[Math.floor(rand() * list.length)]
const now = () => Number(process.hrtime.bigint()) / 1e6
const say = (s) => process.stderr.write(`${s}\n`)

// --- running cpo ---------------------------------------------------------------------------

/** One cpo process; `kill` = { fault } or { afterMs }. Returns exit, output and its window. */
async function cpo(root, args, kill = {}) {
  const snapshotsBefore = snapshotRefs(root).length
  const start = now()
  const child = spawn(process.execPath, [CPO, ...args], {
    cwd: root,
    env: { ...benchEnv(), CPO_FAULT: kill.fault ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: KILL === 'group',
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
  })
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const timer =
    kill.afterMs === undefined
      ? undefined
      : setTimeout(() => {
          try {
            process.kill(KILL === 'group' ? -child.pid : child.pid, 'SIGKILL')
          } catch {
            // already gone
          }
        }, kill.afterMs)
  const [code, signal] = await once(child, 'exit')
  clearTimeout(timer)
  const end = now()
  const label = `cpo ${args.join(' ')}${kill.fault ? ` (CPO_FAULT=${kill.fault})` : ''}${kill.afterMs !== undefined ? ` (SIGKILL after ${kill.afterMs} ms)` : ''}`
  const snapshots = snapshotRefs(root).length - snapshotsBefore
  return { code, signal, stdout, stderr, window: { label, start, end, snapshots } }
}

function snapshotRefs(root) {
  return git(root, ['for-each-ref', '--format=%(refname:lstrip=3)', 'refs/cpo/snapshots'])
    .split('\n')
    .filter(Boolean)
}

function journal(root) {
  const file = path.join(root, '.git/cpo/oplog.jsonl')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l)]
      } catch {
        return [] // a torn last line, reported by cpo itself
      }
    })
}

// --- state ---------------------------------------------------------------------------------

function errorCode(r) {
  try {
    return JSON.parse(r.stdout).error?.code ?? `exit ${r.code}`
  } catch {
    return `exit ${r.code}`
  }
}

/** Operations journaled `begun` that neither ended nor were recovered by a finished recover. */
function pendingIds(events) {
  const open = new Set()
  const done = new Set(events.filter((ev) => ev.type === 'done').map((ev) => ev.id))
  for (const ev of events) {
    if (ev.type === 'begun') open.add(ev.id)
    else open.delete(ev.id)
  }
  for (const ev of events) {
    if (ev.type === 'begun' && done.has(ev.id)) for (const id of ev.recovers ?? []) open.delete(id)
  }
  return [...open]
}

/** Paths left out of comparisons: the writer's (it never stops), cpo's sidecars. */
function outOfScope(rel, writerPaths) {
  return (
    writerPaths.has(rel) ||
    rel.startsWith('.checkpoints/') ||
    path.basename(rel).startsWith('.writer-tmp-')
  )
}

/** Work tree (split into ignored and not), index, HEAD, branch and refs, comparably. */
function stateOf(root, writerPaths) {
  const ignored = new Set(
    git(root, ['ls-files', '-z', '-o', '-i', '--exclude-standard']).split('\0').filter(Boolean),
  )
  const tree = {}
  const ign = {}
  const walk = (rel) => {
    for (const name of readdirSync(path.join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name
      if (r === '.git' || outOfScope(r, writerPaths)) continue
      const file = path.join(root, r)
      const st = lstatSync(file)
      if (st.isDirectory()) {
        walk(r)
        continue
      }
      const entry = st.isSymbolicLink()
        ? `120000 ${blobId(Buffer.from(readlinkSync(file)))}`
        : `${st.mode & 0o100 ? '100755' : '100644'} ${blobId(readFileSync(file))}`
      if (ignored.has(r)) ign[r] = entry
      else tree[r] = entry
    }
  }
  walk('')
  const symbolic = gitMaybe(root, ['symbolic-ref', '-q', 'HEAD'], [1]).trim()
  return {
    tree,
    ignored: ign,
    index: git(root, ['write-tree']).trim(),
    head: git(root, ['rev-parse', 'HEAD']).trim(),
    branch: symbolic || null,
    refs: refsOf(
      git(root, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags']),
    ),
  }
}

const refsOf = (text) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')),
  )

/** The state a snapshot records, in the same shape (ignored files are never in one). */
function snapshotState(root, id, writerPaths) {
  const message = git(root, ['cat-file', 'commit', `refs/cpo/snapshots/${id}`])
  const meta = JSON.parse(message.slice(message.indexOf('\n{') + 1).trim())
  const tree = {}
  for (const line of git(root, ['ls-tree', '-r', '-z', '--full-tree', meta.worktreeTree]).split(
    '\0',
  )) {
    if (!line) continue
    const tab = line.indexOf('\t')
    const [mode, , oid] = line.slice(0, tab).split(' ')
    const rel = line.slice(tab + 1)
    if (!outOfScope(rel, writerPaths)) tree[rel] = `${mode} ${oid}`
  }
  return { tree, index: meta.indexTree, head: meta.head, branch: meta.branch, refs: meta.refs }
}

/** The keys where two states differ, with both values, for the report. */
function differences(want, got, keys) {
  const out = []
  for (const key of keys) {
    const a = want[key]
    const b = got[key]
    if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (a[k] !== b[k])
          out.push(`${key} ${k}: expected ${a[k] ?? '(none)'}, got ${b[k] ?? '(none)'}`)
      }
    } else if (a !== b) out.push(`${key}: expected ${a}, got ${b}`)
  }
  return out
}

// --- the user's edits between operations ---------------------------------------------------

function editor(root, paths, logFile) {
  let seq = 0
  return () => {
    for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
      const rel = pick(paths)
      const file = path.join(root, rel)
      const t0 = now()
      let prior = 'absent'
      try {
        prior = lstatSync(file).isFile() ? blobId(readFileSync(file)) : 'other'
      } catch {
        // absent
      }
      if (prior === 'other') continue
      const content = Buffer.from(`user edit #${++seq} of ${rel} (seed ${SEED})\n`)
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, content)
      const entry = { seq, kind: 'write', path: rel, t0, t1: now(), prior }
      writeFileSync(
        logFile,
        `${JSON.stringify({ ...entry, content: content.toString('base64') })}\n`,
        {
          flag: 'a',
        },
      )
    }
  }
}

// --- setup ---------------------------------------------------------------------------------

async function must(root, args) {
  const r = await cpo(root, args)
  if (r.code !== 0) throw new Error(`setup: cpo ${args.join(' ')} failed: ${r.stderr}`)
  return r
}

// --- the run -------------------------------------------------------------------------------

async function main() {
  requireBuild()
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cpo-torture-'))
  const root = path.join(tmp, 'repo')
  say(
    `torture: seed ${SEED}, ${ITERATIONS} iterations, ${FILES} files, writer ${WRITER ? 'on' : 'off'}, kill ${KILL}`,
  )
  const files = buildRepo(root, FILES)
  await must(root, ['init'])
  await must(root, ['stage', 'start', 'S4', '--force'])
  const story = files.slice(0, 20)
  for (const rel of story) writeFileSync(path.join(root, rel), `// S4 story work on ${rel}\n`)
  git(root, ['add', '-A'])
  git(root, ['commit', '-q', '-m', 'feat(S4-US-001): story work'])
  dirtyTree(root, files)

  const rest = files.slice(20)
  const chosen = new Set()
  while (chosen.size < 16) chosen.add(pick(rest))
  const [w, e] = [[...chosen].slice(0, 8), [...chosen].slice(8)]
  const writerPaths = [
    ...w,
    'src/writer-scratch.ts',
    'notes/writer.md',
    'writer-new/a/b/c.txt',
    'writer.log',
  ]
  const editorPaths = [...e, 'src/user-untracked.ts', 'user-new/x/y.txt', ...story.slice(0, 3)]
  const writerLog = path.join(tmp, 'writer.jsonl')
  const editorLog = path.join(tmp, 'editor.jsonl')
  const edit = editor(root, editorPaths, editorLog)
  const excluded = new Set(WRITER ? writerPaths : [])

  let writer
  if (WRITER) {
    writer = spawn(
      process.execPath,
      [
        WRITER_SCRIPT,
        JSON.stringify({
          root,
          log: writerLog,
          seed: SEED,
          tag: `writer (seed ${SEED})`,
          paths: writerPaths.map((p) => ({ path: p })),
          minDelayMs: 10,
          maxDelayMs: 60,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    await once(writer.stdout, 'data')
  }

  const windows = []
  let typicalMs = 600
  const fail = (iteration, what, lines) => {
    say(`\nVIOLATION at step ${iteration} (seed ${SEED}): ${what}`)
    for (const l of lines.slice(0, 40)) say(`  ${l}`)
    if (lines.length > 40) say(`  … ${lines.length - 40} more`)
    say(`repository kept: ${root}`)
    say(
      `reproduce: node bench/torture.mjs --seed ${SEED} --iterations ${iteration} --files ${FILES}${WRITER ? '' : ' --no-writer'} --kill ${KILL}`,
    )
    writer?.kill('SIGTERM')
    process.exit(1)
  }
  const ops = [
    () => ['snapshot', '-m', 'torture'],
    () => ['snapshot', 'restore', pick(snapshotRefs(root))],
    () => ['undo', '--yes'],
    (i) => ['checkpoint', 'create', `torture-${i}`],
    () => ['stage', 'start', 'S4', '--force'],
    (i) => ['rollback', 'stage', 'S4', '--reason', `torture ${i}`, '--yes'],
  ]

  for (let i = 1; i <= ITERATIONS; i++) {
    edit()
    const before = stateOf(root, excluded)
    const args = pick(ops)(i)
    const mode = rand()
    const kill =
      mode < 0.4
        ? {}
        : mode < 0.7
          ? { fault: pick(FAILPOINTS) }
          : { afterMs: Math.floor(50 + rand() * typicalMs * 1.3) }
    const events = journal(root).length
    const r = await cpo(root, args, kill)
    windows.push(r.window)
    if (!kill.fault && kill.afterMs === undefined && r.code === 0) {
      typicalMs = 0.7 * typicalMs + 0.3 * (r.window.end - r.window.start)
    }
    const label = r.window.label
    if (r.code === 1) {
      fail(i, `${label} exited 1 (internal error)`, [
        ...r.stdout.split('\n'),
        ...r.stderr.split('\n'),
      ])
    }
    const added = journal(root).slice(events)
    const begun = added.find((ev) => ev.type === 'begun')
    const done = begun && added.find((ev) => ev.type === 'done' && ev.id === begun.id)
    let recovered = ''
    if (begun && !added.some((ev) => ev.id === begun.id && ev.type !== 'begun')) {
      // Interrupted: recover, now and then killed itself first.
      if (rand() < 0.2) {
        const again = await cpo(root, ['recover'], { fault: pick(FAILPOINTS.slice(2, -1)) })
        windows.push(again.window)
      }
      // A recover may be refused for a reason that passes: a file the writer created meanwhile
      // in the way (UNCAPTURED_FILES_IN_THE_WAY), or a git process killed with cpo that left
      // .git/index.lock (INDEX_LOCKED: its hint says to delete it). Try again, a few times.
      const notes = []
      let rec
      for (let attempt = 1; attempt <= 3; attempt++) {
        rec = await cpo(root, ['recover', '--json'])
        windows.push(rec.window)
        if (rec.code === 0) break
        const code = errorCode(rec)
        notes.push(code)
        if (code === 'INDEX_LOCKED') rmSync(path.join(root, '.git/index.lock'), { force: true })
      }
      if (rec.code !== 0) {
        fail(i, `cpo recover after ${label} failed (${rec.code})`, [
          ...rec.stdout.split('\n'),
          ...rec.stderr.split('\n'),
        ])
      }
      if (notes.length > 0) recovered = ` (after ${notes.join(', ')})`
      recovered = `, recovered${recovered}`
    }
    const pending = pendingIds(journal(root))
    if (pending.length > 0) fail(i, `${label}: still pending after recover`, pending)
    const after = stateOf(root, excluded)
    const ignoredDiff = differences(before, after, ['ignored'])
    if (ignoredDiff.length > 0) fail(i, `${label}: ignored files changed`, ignoredDiff)
    const keys = ['tree', 'index', 'head', 'branch', 'refs']
    const expected = done ? snapshotState(root, done.after, excluded) : before
    const diff = differences(expected, after, keys)
    const failed = begun && added.find((ev) => ev.type === 'failed' && ev.id === begun.id)
    const outcome = done
      ? 'completed'
      : failed
        ? `failed and rolled back: ${failed.error}`
        : begun
          ? `interrupted${recovered}`
          : `refused or killed before it began (${r.signal ?? `exit ${r.code}`})`
    say(`${String(i).padStart(4)} ${label}: ${outcome}`)
    if (diff.length > 0) {
      fail(
        i,
        `${label} ${outcome}: the state is not ${done ? 'its after-snapshot' : 'the one before it'}`,
        diff,
      )
    }
  }

  let entries = []
  if (writer) {
    writer.kill('SIGTERM')
    await once(writer, 'exit')
    entries = readWriterLog(writerLog)
  }
  const userEdits = readWriterLog(editorLog)
  const owed = [
    ...owedWrites(entries, windows, new Set(['writer.log'])).map((o) => ({ ...o, who: 'writer' })),
    ...owedWrites(userEdits, windows).map((o) => ({ ...o, who: 'user' })),
  ]
  const stored = snapshotBlobs(root)
  const onDisk = workTreeBlobs(root)
  const lost = owed.filter(
    (o) => !onDisk.has(blobId(o.content)) && !stored.ids.has(blobId(o.content)),
  )
  if (stored.problems.length > 0)
    fail(ITERATIONS, 'snapshot objects missing after gc', stored.problems)
  if (lost.length > 0) {
    const lines = [
      ...describeLost(
        lost.filter((l) => l.who === 'writer'),
        entries,
        windows,
      ).map((l) => `writer ${l}`),
      ...describeLost(
        lost.filter((l) => l.who === 'user'),
        userEdits,
        windows,
      ).map((l) => `user ${l}`),
    ]
    fail(ITERATIONS, `${lost.length} of ${owed.length} owed writes lost`, lines)
  }
  say(`ok: ${ITERATIONS} steps, ${owed.length} owed writes all kept (seed ${SEED})`)
  if (flags.keep) say(`repository kept: ${root}`)
  else rmSync(tmp, { recursive: true, force: true })
}

await main()
