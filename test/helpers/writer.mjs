// A background writer: a separate process that keeps editing, creating and deleting files in a
// repository while cpo runs there, the way an editor, a formatter or a dev server does. Every
// content it writes is unique (its sequence number and path are in it), and every finished
// action is appended to a log, so a test can later ask "is each of these byte strings still
// somewhere?" (see lost-writes.mjs for the invariant).
//
//   node test/helpers/writer.mjs '<json config>'
//
// config: { root, log, seed, tag, paths: [{ path, ignored? }], minDelayMs, maxDelayMs }
// It prints `ready` on stdout once it runs, and stops between two actions on SIGTERM.
//
// Log lines (JSON, one per finished action; times are process.hrtime in ms, a system-wide
// monotonic clock, so they compare with the times the test records around each cpo run):
//   { seq, kind: 'write' | 'delete', path, t0, t1, prior, content? }
// `prior` is what the path held right before the action ('absent', 'other' for a directory or
// link, else the blob id of its bytes): when it is not the writer's own last content, something
// else (cpo) replaced that content meanwhile.
import { appendFileSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { blobId, prng } from './lost-writes.mjs'

const config = JSON.parse(process.argv[2] ?? '{}')
const rand = prng(config.seed ?? 1)
const pick = (list) => list[Math.floor(rand() * list.length)]
const now = () => Number(process.hrtime.bigint()) / 1e6
let stopping = false
process.on('SIGTERM', () => {
  stopping = true
})

function prior(file) {
  try {
    const st = lstatSync(file)
    return st.isFile() ? blobId(readFileSync(file)) : 'other'
  } catch {
    return 'absent'
  }
}

/** In place (truncate and write, like most editors) or atomically (temp file and rename). */
function writeOnce(file, content, atomic) {
  mkdirSync(path.dirname(file), { recursive: true })
  if (!atomic) {
    // Not writeFileSync(file, …) with a string: a Buffer keeps the bytes exactly as logged.
    appendFileSync(file, content, { flag: 'w' })
    return
  }
  const tmp = path.join(path.dirname(file), `.writer-tmp-${process.pid}`)
  appendFileSync(tmp, content, { flag: 'w' })
  renameSync(tmp, file)
}

function act(seq) {
  const { path: rel } = pick(config.paths)
  const file = path.join(config.root, rel)
  const t0 = now()
  const before = prior(file)
  if (rand() < 0.15) {
    if (before === 'absent') return
    try {
      rmSync(file, { force: true })
    } catch {
      return
    }
    log({ seq, kind: 'delete', path: rel, t0, t1: now(), prior: before })
    return
  }
  const padding = 'x'.repeat(Math.floor(rand() * 300))
  const content = Buffer.from(`${config.tag ?? 'writer'} #${seq} ${rel}\n${padding}\n`)
  const atomic = rand() < 0.5
  try {
    writeOnce(file, content, atomic)
  } catch {
    // A restore removed the directory between mkdir and write: try once more, else skip (an
    // unfinished write is not logged, so nothing is expected of it).
    try {
      writeOnce(file, content, atomic)
    } catch {
      return
    }
  }
  log({
    seq,
    kind: 'write',
    path: rel,
    t0,
    t1: now(),
    prior: before,
    content: content.toString('base64'),
  })
}

function log(entry) {
  appendFileSync(config.log, `${JSON.stringify(entry)}\n`)
}

const min = config.minDelayMs ?? 5
const max = config.maxDelayMs ?? 30
process.stdout.write('ready\n')
let seq = 0
while (!stopping) {
  act(++seq)
  await new Promise((resolve) => setTimeout(resolve, min + rand() * (max - min)))
}
