// The "nothing is ever lost" check for runs with a concurrent writer (writer.mjs), shared by the
// tests in test/safety/ and bench/torture.mjs. Plain JavaScript so the bench can import it.
//
// Which contents must survive (each write of the writer is a unique byte string). A write W of
// content C to path P is *owed* when at least one of these holds:
//
//  - final: W is the writer's last action on P. Whatever happens to P afterwards is done by cpo,
//    so C must be on disk at the end or in a snapshot.
//  - displaced: right before its next action on P the writer found P no longer holding C. Only
//    cpo writes there besides the writer, so cpo replaced or removed C, and may do that only
//    after capturing it ("compare before destroy", README: how the safety protocol works).
//  - spanned: C was on disk (as far as the writer knows: written before the cpo process was
//    spawned, next action on P after it exited) for the whole run of a cpo command that took a
//    snapshot; that snapshot's scan saw C. Should cpo have removed C before that run without
//    capturing it, C is lost all the same: only the writer's own overwrites are forgiven.
//
// Not owed: a content the writer itself replaced or deleted before any cpo scan could see it,
// which no tool could have captured. Ignored paths are never in snapshots, so for them only
// `final` and `displaced` apply (cpo must never touch an ignored file at all).
//
// Where contents are looked for, after `git gc --prune=now`: every file under the work tree
// (ignored ones too, .git excluded), and the trees of every snapshot commit under
// refs/cpo/snapshots and of its parents (HEAD then, and the index as a commit). Contents are
// compared by blob id, i.e. what `git hash-object --no-filters` gives for the bytes.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { lstatSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

export { prng } from '../../bench/repo.mjs'

/** The id git gives these bytes as a blob (`git hash-object --no-filters`). */
export function blobId(bytes, format = 'sha1') {
  return createHash(format).update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
}

export function readWriterLog(file) {
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return []
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const e = JSON.parse(line)
      return e.content === undefined ? e : { ...e, content: Buffer.from(e.content, 'base64') }
    })
}

/**
 * The owed writes, each with the reasons it is owed. `windows` are the cpo runs: `{ label,
 * start, end, snapshots }` with hrtime milliseconds around the process and the number of
 * snapshot refs it added.
 */
export function owedWrites(entries, windows, ignored = new Set()) {
  const next = new Map()
  const sorted = [...entries].sort((a, b) => a.seq - b.seq)
  for (let i = sorted.length - 1; i >= 0; i--) {
    const e = sorted[i]
    e.next = next.get(e.path)
    next.set(e.path, e)
  }
  const owed = []
  for (const e of sorted) {
    if (e.kind !== 'write') continue
    const reasons = []
    if (!e.next) reasons.push('final')
    else if (e.next.prior !== blobId(e.content)) reasons.push('displaced')
    if (!ignored.has(e.path)) {
      const spanned = windows.find(
        (w) => w.snapshots > 0 && e.t1 < w.start && (!e.next || e.next.t0 > w.end),
      )
      if (spanned) reasons.push(`spanned ${spanned.label}`)
    }
    if (reasons.length > 0) owed.push({ seq: e.seq, path: e.path, content: e.content, reasons })
  }
  return owed
}

function git(root, args, input) {
  return execFileSync('git', args, {
    cwd: root,
    input,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' },
  })
}

/** Blob ids of every file on disk below `root` (.git excluded). */
export function workTreeBlobs(root, format = 'sha1') {
  const ids = new Set()
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name)
      if (dir === root && name === '.git') continue
      const st = lstatSync(file)
      if (st.isDirectory()) walk(file)
      else if (st.isFile()) ids.add(blobId(readFileSync(file), format))
    }
  }
  walk(root)
  return ids
}

/**
 * Blob ids in the trees of every snapshot and of its parents, read after `git gc --prune=now`.
 * An object gc removed although a snapshot names it makes rev-list fail: that is reported as a
 * problem, not thrown.
 */
export function snapshotBlobs(root) {
  git(root, ['gc', '--prune=now', '--quiet'])
  const tips = git(root, ['for-each-ref', '--format=%(objectname)', 'refs/cpo/snapshots'])
  if (tips.trim() === '') return { ids: new Set(), problems: [] }
  const withParents = git(root, ['rev-list', '--no-walk', '--parents', '--stdin'], tips)
  const commits = [...new Set(withParents.split(/\s+/).filter(Boolean))]
  try {
    const listing = git(
      root,
      ['rev-list', '--objects', '--no-walk', '--stdin'],
      `${commits.join('\n')}\n`,
    )
    const objects = listing.split('\n').map((l) => l.split(' ')[0])
    const types = git(
      root,
      ['cat-file', '--batch-check=%(objectname) %(objecttype)'],
      `${objects.join('\n')}\n`,
    )
    const ids = new Set(
      types
        .split('\n')
        .filter((l) => l.endsWith(' blob'))
        .map((l) => l.split(' ')[0]),
    )
    return { ids, problems: [] }
  } catch (error) {
    return { ids: new Set(), problems: [`snapshot objects unreadable after gc: ${error.stderr}`] }
  }
}

/**
 * Every owed write whose content is neither on disk nor in a snapshot. Returns the owed list
 * too, so a caller can tell a vacuous pass (nothing owed) from a real one.
 */
export function lostWrites(root, entries, windows, ignored = new Set()) {
  const format = git(root, ['rev-parse', '--show-object-format']).trim() || 'sha1'
  const owed = owedWrites(entries, windows, ignored)
  const stored = snapshotBlobs(root)
  const onDisk = workTreeBlobs(root, format)
  const lost = owed.filter((o) => {
    const id = blobId(o.content, format)
    return !onDisk.has(id) && !stored.ids.has(id)
  })
  return { owed, lost, problems: stored.problems }
}

/**
 * One line per lost write, for a failure message: when it was written relative to the cpo runs
 * (a loss written while no cpo ran would point at the harness, not at cpo).
 */
export function describeLost(lost, entries = [], windows = []) {
  const bySeq = new Map(entries.map((e) => [e.seq, e]))
  return lost.map((l) => {
    const t = bySeq.get(l.seq)?.t1
    const during = t === undefined ? undefined : windows.find((w) => w.start <= t && t <= w.end)
    const when =
      t === undefined ? '' : during ? ` written during ${during.label}` : ' written between runs'
    return `#${l.seq} ${l.path} (${l.reasons.join(', ')})${when}: ${JSON.stringify(l.content.toString('utf8').split('\n')[0])}`
  })
}
