// `npm run demo`: builds a sample CPO project in a temp folder and walks through what cpo does,
// checking every claim it makes (the demo fails loudly if cpo misbehaves).

import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { databaseRollback } from './database.mjs'
import { productionRollback } from './deploy-rollback.mjs'
import { masterProject, progressLog, skeleton, stageWork } from './sample-project.mjs'

const CLI = path.resolve(import.meta.dirname, '../bin/cpo.js')
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cpo-demo-'))
const dir = path.join(base, 'ledgerly')
const store = path.join(base, 'backups')
const restored = path.join(base, 'ledgerly-restored')
fs.mkdirSync(dir)
let step = 0

function say(title, text) {
  step += 1
  process.stdout.write(`\n── Step ${step}: ${title}\n${text ? `${text}\n` : ''}`)
}

/** Runs cpo as a user would, shows the command and its output, returns the result. */
function cpo(args, { env = {}, expectCode = 0 } = {}) {
  process.stdout.write(
    `\n  $ ${env.CPO_FAULT ? `CPO_FAULT=${env.CPO_FAULT} ` : ''}cpo ${args.join(' ')}\n`,
  )
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CPO_FAULT: '', ...env },
  })
  const shown = `${r.stdout}${r.stderr}`.trimEnd()
  if (shown) process.stdout.write(`${shown.replace(/^/gm, '    ')}\n`)
  if (r.signal) process.stdout.write(`    (process killed by ${r.signal})\n`)
  if (expectCode !== null) assert.equal(r.status, expectCode, `cpo ${args.join(' ')} exit code`)
  return r
}

const json = (args) =>
  JSON.parse(
    spawnSync(process.execPath, [CLI, ...args, '--json'], { cwd: dir, encoding: 'utf8' }).stdout,
  ).data
const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim()
const write = (file, content) => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
  fs.writeFileSync(path.join(dir, file), content)
}
const read = (file) => fs.readFileSync(path.join(dir, file), 'utf8')
const exists = (file) => fs.existsSync(path.join(dir, file))

const state = () => JSON.parse(read('master-project.json'))
const stageStatus = (id) => state().stages.find((st) => st.id === id).status
const testsPass = () => spawnSync(process.execPath, ['tests/run.mjs'], { cwd: dir }).status === 0

/** A story commit as the skill's agent makes it: its code, and its own `passes` flag flipped. */
function commitStory(commit) {
  for (const [file, content] of Object.entries(commit.files)) write(file, content)
  const id = /\((S\d+-US-\d+)\)/.exec(commit.message)[1]
  const project = state()
  const story = project.stages.flatMap((st) => st.stories).find((s) => s.id === id)
  Object.assign(story, { passes: true, completedAt: new Date().toISOString() })
  write('master-project.json', `${JSON.stringify(project, null, 2)}\n`)
  git('add', '-A')
  git('commit', '-q', '-m', commit.message)
  process.stdout.write(`\n  (agent) git add -A && git commit -m "${commit.message}"\n`)
}

function commitWork(stage) {
  for (const commit of stageWork[stage]) commitStory(commit)
}

const storyPasses = (id) =>
  state()
    .stages.flatMap((st) => st.stories)
    .find((s) => s.id === id).passes

/**
 * The skill's flow: every story commit flipped its own `passes` flag, so git revert alone would
 * conflict in master-project.json; cpo reverts the story's code and rewrites the state itself.
 */
function rollBackAStory() {
  say(
    'roll back one story',
    "Sign-in needs a redesign: cpo reverts the story's code (history kept) and marks it not\npassing; the other story and the stage in progress stay as they are.",
  )
  cpo(['rollback', 'story', 'S2-US-002', '--reason', 'sign-in needs a redesign'])
  assert.equal(exists('src/accounts/signin.mjs'), false)
  assert.equal(exists('src/accounts/signup.mjs'), true)
  assert.equal(storyPasses('S2-US-002'), false)
  assert.equal(storyPasses('S2-US-001'), true)
  assert.equal(stageStatus('S2'), 'in_progress')
  assert.equal(git('status', '--porcelain'), '')
  assert.match(git('log', '-1', '--format=%s'), /^rollback\(story-S2-US-002\)/)
  process.stdout.write('\n  (agent) redoes the story')
  commitStory(stageWork.S2[1])
}

try {
  say(
    'a sample CPO project',
    `Creating "Ledgerly" in ${dir}: a plan of three stages in master-project.json,\ncpo-progress.md, and a test suite that verification runs (node tests/run.mjs).`,
  )
  git('init', '-q', '-b', 'main')
  git('config', 'user.email', 'agent@example.com')
  git('config', 'user.name', 'CPO Agent')
  for (const [file, content] of Object.entries(skeleton)) write(file, content)
  write('master-project.json', `${JSON.stringify(masterProject, null, 2)}\n`)
  write('cpo-progress.md', progressLog)
  git('add', '-A')
  git('commit', '-q', '-m', 'chore: planning complete')
  cpo(['init'])

  for (const id of ['S1', 'S2']) {
    say(
      `stage ${id}: start, build, complete`,
      'stage start commits and tags the starting point and writes sidecars; stage complete runs\nthe verification commands, then records the stage as tested with a checkpoint tag.',
    )
    cpo(['stage', 'start', id])
    commitWork(id)
    if (id === 'S2') rollBackAStory()
    cpo(['stage', 'complete', id])
    assert.equal(stageStatus(id), 'tested')
  }

  say(
    'stage S3 breaks the tests',
    'Verification fails, so stage complete tags nothing and changes nothing (exit 6).',
  )
  cpo(['stage', 'start', 'S3'])
  commitWork('S3')
  const brokenHead = git('rev-parse', 'HEAD')
  cpo(['stage', 'complete', 'S3'], { expectCode: 6 })
  assert.equal(testsPass(), false)
  assert.equal(stageStatus('S3'), 'in_progress')

  say(
    'roll back stage 3: first the plan',
    '--dry-run shows the target, the commits discarded, the state changes and the files; nothing changes.',
  )
  cpo(['rollback', 'stage', '3', '--reason', 'stage 3 broke the tests', '--dry-run'])
  assert.equal(git('rev-parse', 'HEAD'), brokenHead)

  say(
    'roll back stage 3',
    'Code back to checkpoint/stage-3-start, S3 pending again, a ROLLBACK entry in the log\n(every earlier entry kept), one rollback commit, and the safety checklist.',
  )
  cpo(['rollback', 'stage', '3', '--reason', 'stage 3 broke the tests'])
  assert.equal(testsPass(), true)
  assert.equal(stageStatus('S3'), 'pending')
  assert.equal(stageStatus('S2'), 'tested')
  assert.match(read('cpo-progress.md'), /Stage S2: Accounts COMPLETE[\s\S]*ROLLBACK stage-3/)
  assert.equal(git('status', '--porcelain'), '')

  say(
    'undo the rollback',
    'cpo undo puts back exactly what the rollback replaced: the broken commit, S3 in progress.',
  )
  cpo(['undo'])
  assert.equal(git('rev-parse', 'HEAD'), brokenHead)
  assert.equal(testsPass(), false)
  assert.equal(stageStatus('S3'), 'in_progress')

  say(
    'roll back again, to a checkpoint by name',
    'cpo rollback to takes any checkpoint (a stage start or end, a release, your own):\nhere the end of stage 2. Same result as the first time; then the project timeline.',
  )
  cpo(['rollback', 'to', 'stage-2-complete', '--reason', 'stage 3 broke the tests, confirmed'])
  assert.equal(testsPass(), true)
  assert.equal(stageStatus('S3'), 'pending')
  assert.equal(stageStatus('S2'), 'tested')
  assert.equal(git('rev-parse', 'HEAD^'), git('rev-parse', 'checkpoint/stage-2-complete^{commit}'))
  assert.match(read('cpo-progress.md'), /ROLLBACK stage-2-complete/)
  cpo(['timeline', '--width', '90'])

  say(
    'uncommitted work and a snapshot',
    'The agent starts on stage 3 again; cpo snapshot captures the uncommitted work\n(a new file, an edit, a staged change) without touching the index or the files.',
  )
  write(
    'src/budgets/totals.mjs',
    "import { add } from '../money.mjs'\nexport const total = (xs) => xs.reduce(add, 0)\n",
  )
  write('src/index.mjs', "export * from './budgets/totals.mjs'\n")
  git('add', 'src/index.mjs')
  const goodState = read('master-project.json')
  const snap = json(['snapshot', '-m', 'S3 work in progress']).snapshot
  process.stdout.write(
    `\n  $ cpo snapshot -m "S3 work in progress"\n    snapshot ${snap.id} taken (${snap.dirty.length} changed files)\n`,
  )
  cpo(['snapshot', 'list'])

  say(
    'things go wrong',
    'The agent deletes a file it should not, commits half-done work,\nand writes a broken master-project.json.',
  )
  fs.rmSync(path.join(dir, 'src/accounts/signin.mjs'))
  git('add', '-A')
  git('commit', '-q', '-m', 'wip: refactor accounts')
  write('master-project.json', '{\n  "project": { "name": "Ledgerly", }\n')
  cpo(['status'], { expectCode: 5 })

  say(
    'restore just the state file',
    'cpo snapshot restore <id> --paths brings back chosen files and leaves the rest alone.',
  )
  cpo(['snapshot', 'restore', snap.id, '--paths', 'master-project.json'])
  assert.equal(read('master-project.json'), goodState)
  assert.equal(exists('src/accounts/signin.mjs'), false)

  say(
    'restore everything',
    "The whole snapshot: files, index, HEAD and branch. The wip commit leaves main,\nbut nothing is lost: the state just replaced is kept as the operation's before-snapshot.",
  )
  const wipHead = git('rev-parse', 'HEAD')
  cpo(['snapshot', 'restore', snap.id])
  assert.equal(read('src/accounts/signin.mjs').includes('signIn'), true)
  assert.equal(git('rev-parse', 'HEAD'), snap.head)
  assert.equal(git('diff', '--cached', '--name-only'), 'src/index.mjs')
  assert.equal(exists('src/budgets/totals.mjs'), true)

  say(
    'changed your mind? undo',
    'cpo undo restores the state before the last operation (again: one further back);\ncpo redo puts it back.',
  )
  cpo(['undo', '--dry-run'])
  cpo(['undo'])
  assert.equal(git('rev-parse', 'HEAD'), wipHead)
  assert.equal(exists('src/accounts/signin.mjs'), false)
  cpo(['redo'])
  assert.equal(git('rev-parse', 'HEAD'), snap.head)

  say(
    'a crash in the middle of an operation',
    'CPO_FAULT kills cpo with SIGKILL half-way through writing files (like a power cut).\nEvery later command refuses to change anything until `cpo recover` runs.',
  )
  const beforeCrash = git('status', '--porcelain')
  cpo(['undo'], { env: { CPO_FAULT: 'restore-writes' }, expectCode: null })
  cpo(['status'])
  cpo(['snapshot'], { expectCode: 4 })
  cpo(['recover'])
  assert.equal(git('status', '--porcelain'), beforeCrash)
  assert.equal(git('rev-parse', 'HEAD'), snap.head)

  say(
    'the operation log',
    'Every state-changing command is journaled with its before and after snapshots.',
  )
  cpo(['log', '--limit', '8'])

  say(
    'a full backup',
    `One archive with every ref (snapshots and checkpoints included), the state files and a\nredacted env template, written to ${store}. verify --deep re-hashes every entry and\ntest-restores it.`,
  )
  write('.env', 'DATABASE_URL=postgres://app:s3cr3t-pass@localhost:5432/ledgerly\nPORT=3000\n')
  cpo(['backup', 'create', '--store', store, '--tag', 'after-stage-2'])
  cpo(['backup', 'list', '--store', store])
  const backupId = json(['backup', 'list', '--store', store]).backups[0].id
  cpo(['backup', 'verify', '--deep', '--store', store, backupId])

  say('disaster: the project folder is gone', `rm -rf ${dir}`)
  const refsBefore = git('for-each-ref', '--format=%(refname) %(objectname)')
  const stateBefore = read('master-project.json')
  const logBefore = read('cpo-progress.md')
  fs.rmSync(dir, { recursive: true, force: true })

  say(
    'restore on a new machine (here: a new folder)',
    'Every ref comes back, HEAD is checked out, state files are put back;\nsecrets come back only as names to fill in.',
  )
  process.stdout.write(`\n  $ cpo restore ${backupId} ${restored} --store ${store}\n`)
  const r = spawnSync(process.execPath, [CLI, 'restore', backupId, restored, '--store', store], {
    encoding: 'utf8',
    cwd: base,
  })
  process.stdout.write(`${`${r.stdout}${r.stderr}`.trimEnd().replace(/^/gm, '    ')}\n`)
  assert.equal(r.status, 0, 'restore exit code')
  const restoredGit = (...args) =>
    execFileSync('git', args, { cwd: restored, encoding: 'utf8' }).trim()
  assert.equal(restoredGit('for-each-ref', '--format=%(refname) %(objectname)'), refsBefore)
  assert.equal(fs.readFileSync(path.join(restored, 'master-project.json'), 'utf8'), stateBefore)
  assert.equal(fs.readFileSync(path.join(restored, 'cpo-progress.md'), 'utf8'), logBefore)

  databaseRollback({ base, cli: CLI, say })

  await productionRollback({ dir: restored, cli: CLI, say })

  process.stdout.write('\nDemo finished: every step above was checked.\n')
} finally {
  if (process.env.CPO_DEMO_KEEP) process.stdout.write(`(kept ${base})\n`)
  else fs.rmSync(base, { recursive: true, force: true })
}
