// Peak RSS of cpo's commands on a large tree against git's own for the same work (issue 15's
// "peak RSS of every command at 100k files ≤ 2× git's"), one or more builds interleaved on one
// repository. RSS is `/usr/bin/time %M`: the largest resident set of any one process in the
// tree (node or one of its git children); a recipe's is the largest of its git processes. CPU
// (user + system of the tree) is printed beside it. Not part of `npm run bench` (it builds a
// 100,000-file repository, ~2 minutes here). See bench/README.md ("Peak RSS of every command").
//
//   node bench/rss.mjs [--runs N] [--files N] <build bin/cpo.js>...

import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { projectJson } from './lifecycle.mjs'
import { benchEnv, buildRepo, git } from './repo.mjs'

const argv = process.argv.slice(2)
let runs = 3
let files = 100000
while (argv[0]?.startsWith('--')) {
  const flag = argv.shift()
  if (flag === '--runs') runs = Number(argv.shift())
  else if (flag === '--files') files = Number(argv.shift())
}
const builds = argv.map((b) => path.resolve(b))
if (builds.length === 0) throw new Error('usage: node bench/rss.mjs [--runs N] <bin/cpo.js>...')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cpo-rss-'))
const out = path.join(tmp, 'time.txt')
const env = benchEnv()
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** CPU ms and peak RSS (KB) of one command; its stdout. */
function measure(cmd, args, extra = {}) {
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%U %S %M', cmd, ...args], {
    cwd: root,
    env: { ...env, ...extra },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`)
  const [user, sys, rss] = readFileSync(out, 'utf8').trim().split('\n').at(-1).split(' ')
  return { ms: (Number(user) + Number(sys)) * 1000, rss: Number(rss), stdout: r.stdout }
}

/** A recipe of several git commands: CPU adds up, RSS is the largest. */
function recipe(commands) {
  let ms = 0
  let rss = 0
  for (const [args, extra] of commands) {
    const m = measure('git', args, extra)
    ms += m.ms
    rss = Math.max(rss, m.rss)
  }
  return { ms, rss }
}

const root = path.join(tmp, 'repo')
const names = buildRepo(root, files)
writeFileSync(path.join(root, 'master-project.json'), projectJson(30))
git(root, ['commit', '-q', '-am', 'chore: plan 30 stages'])
const cli = (build, args) => measure('node', [build, ...args, '-C', root])
cli(builds.at(-1), ['init', '--json'])
let edits = 0
const edit = (n) => {
  for (const rel of names.slice(edits, edits + n))
    writeFileSync(path.join(root, rel), `e${edits}\n`)
  edits += n
}
// A stage with two story commits of 20 files each: what `rollback stage 1` takes back.
cli(builds.at(-1), ['stage', 'start', 'S1', '--json'])
for (const story of [1, 2]) {
  edit(20)
  git(root, ['add', '-A'])
  git(root, ['commit', '-q', '-m', `feat(S1-US-00${story}): story ${story}`])
}
sleep(1100)
git(root, ['update-index', '-q', '--refresh'])
const startTag = git(root, ['tag', '--list', 'checkpoint/stage-1-start*']).trim().split('\n')[0]

let stageHead = ''
/** Each row: what cpo runs, and git's own for the same work (run right after, on the same tree). */
const rows = [
  {
    name: '`status`',
    recipeName: '`git status`',
    cpo: () => ['status', '--json'],
    git: () => recipe([[['status', '--porcelain']]]),
  },
  {
    name: '`snapshot` (3 files dirty)',
    recipeName: 'temp-index `add -A` + `write-tree`',
    before: () => edit(3),
    cpo: () => ['snapshot', '--json'],
    git: () => {
      const scratch = path.join(tmp, 'index')
      copyFileSync(path.join(root, '.git', 'index'), scratch)
      const r = recipe([
        [['add', '-A'], { GIT_INDEX_FILE: scratch }],
        [['write-tree'], { GIT_INDEX_FILE: scratch }],
      ])
      rmSync(scratch, { force: true })
      return r
    },
  },
  {
    name: '`checkpoint create` (3 files dirty)',
    recipeName: '`add -A` + `commit` + `tag -a`',
    before: () => edit(3),
    cpo: (i, side) => ['checkpoint', 'create', `rss-${side}-${i}`, '-m', 'rss', '--json'],
    git: (i) =>
      recipe([
        [['add', '-A']],
        [['commit', '-q', '-m', `raw ${i}`]],
        [['tag', '-a', `raw/rss-${i}`, '-m', 'raw']],
      ]),
  },
  {
    name: '`checkpoint list`',
    recipeName: '`for-each-ref refs/tags/checkpoint/`',
    cpo: () => ['checkpoint', 'list', '--json'],
    git: () => recipe([[['for-each-ref', 'refs/tags/checkpoint/']]]),
  },
  {
    name: '`rollback stage 1` (40+ files back)',
    recipeName: '`reset --hard <start tag>` + `commit`',
    cpo: () => ['rollback', 'stage', '1', '--reason', 'rss', '--yes', '--json'],
    git: () => {
      stageHead = git(root, ['rev-parse', 'HEAD']).trim()
      return recipe([
        [['reset', '-q', '--hard', startTag]],
        [['commit', '-q', '--allow-empty', '-m', 'rollback']],
      ])
    },
  },
  {
    name: '`stage start S2` (3 files dirty; undone after, untimed)',
    recipeName: '`add -A` + `commit` + `tag -a`',
    before: () => edit(3),
    cpo: () => ['stage', 'start', 'S2', '--json'],
    after: (build) => cli(build, ['undo', '--yes', '--json']),
    git: (i) =>
      recipe([
        [['add', '-A']],
        [['commit', '-q', '-m', `raw start ${i}`]],
        [['tag', '-a', `raw/start-${i}`, '-m', 'raw']],
      ]),
  },
  {
    name: '`undo` (of the rollback)',
    recipeName: '`reset --hard <before the rollback>`',
    cpo: () => ['undo', '--yes', '--json'],
    git: () => recipe([[['reset', '-q', '--hard', stageHead]]]),
  },
]

const results = rows.map(() => ({ git: [], sides: builds.map(() => ({ ms: [], rss: [] })) }))
for (let i = 0; i <= runs; i++) {
  builds.forEach((build, b) => {
    rows.forEach((row, n) => {
      row.before?.()
      const m = cli(build, row.cpo(i, b))
      row.after?.(build)
      if (i > 0) results[n].sides[b].ms.push(m.ms)
      if (i > 0) results[n].sides[b].rss.push(m.rss)
    })
  })
  // git's own, once per round, on the tree the rows leave: the same work on the same tree.
  rows.forEach((row, n) => {
    row.before?.()
    const r = row.git(i)
    if (i > 0) results[n].git.push(r)
  })
  git(root, ['reset', '-q', '--hard', 'HEAD'])
}

const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`
process.stdout.write(
  `${files} files, 1 + ${runs} runs, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}\n\n` +
    `| row | git's own | git RSS | ${builds.map((b) => `${b} RSS (ratio), CPU`).join(' | ')} |\n` +
    `|---|---|---:|${builds.map(() => '---:').join('|')}|\n`,
)
rows.forEach((row, n) => {
  const gitRss = median(results[n].git.map((r) => r.rss))
  const cells = results[n].sides.map((s) => {
    const r = median(s.rss)
    return `${mb(r)} (${(r / gitRss).toFixed(2)}×), ${median(s.ms).toFixed(0)} ms`
  })
  process.stdout.write(
    `| ${row.name} | ${row.recipeName} | ${mb(gitRss)} | ${cells.join(' | ')} |\n`,
  )
})
rmSync(tmp, { recursive: true, force: true })
