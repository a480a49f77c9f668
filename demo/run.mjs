// `npm run demo`: builds a sample CPO project in a temp folder and walks through what cpo does,
// checking every claim it makes (the demo fails loudly if cpo misbehaves).

import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { history, masterProject, progressLog } from './sample-project.mjs'

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

try {
  say(
    'a sample CPO project',
    `Creating "Ledgerly" in ${dir}: three commits of stage work,\nmaster-project.json (stage S3 in progress) and cpo-progress.md.`,
  )
  git('init', '-q', '-b', 'main')
  git('config', 'user.email', 'agent@example.com')
  git('config', 'user.name', 'CPO Agent')
  for (const commit of history) {
    for (const [file, content] of Object.entries(commit.files)) write(file, content)
    git('add', '-A')
    git('commit', '-q', '-m', commit.message)
  }
  write('master-project.json', `${JSON.stringify(masterProject, null, 2)}\n`)
  write('cpo-progress.md', progressLog)
  git('add', '-A')
  git('commit', '-q', '-m', 'chore: planning and progress for stage S3')

  say(
    'where the project stands',
    'cpo reads master-project.json and git: phase, current stage, stages, work tree.',
  )
  cpo(['status'])

  say(
    'the agent starts stage S3 and cpo takes a snapshot',
    'Uncommitted work (a new file, an edit, a staged change) is captured exactly,\nwithout touching the index or the files.',
  )
  write('src/budgets/budget.ts', 'export interface Budget {\n  month: string\n  limit: number\n}\n')
  write('src/index.ts', "export const app = 'ledgerly'\nexport * from './budgets/budget'\n")
  git('add', 'src/index.ts')
  const snap = json(['snapshot', '-m', 'S3 work in progress']).snapshot
  process.stdout.write(
    `\n  $ cpo snapshot -m "S3 work in progress"\n    snapshot ${snap.id} taken (${snap.dirty.length} changed files)\n`,
  )
  cpo(['snapshot', 'list'])

  say(
    'things go wrong',
    'The agent deletes a file it should not, commits half-done work,\nand writes a broken master-project.json.',
  )
  fs.rmSync(path.join(dir, 'src/accounts/signin.ts'))
  git('add', '-A')
  git('commit', '-q', '-m', 'wip: refactor accounts')
  write('master-project.json', '{\n  "project": { "name": "Ledgerly", }\n')
  cpo(['status'], { expectCode: 5 })

  say(
    'restore just the state file',
    'cpo snapshot restore <id> --paths brings back chosen files and leaves the rest alone.',
  )
  cpo(['snapshot', 'restore', snap.id, '--paths', 'master-project.json'])
  assert.deepEqual(JSON.parse(read('master-project.json')), masterProject)
  assert.equal(exists('src/accounts/signin.ts'), false)

  say(
    'restore everything',
    "The whole snapshot: files, index, HEAD and branch. The wip commit is no longer on main,\nbut nothing is lost: the state just replaced is kept as the operation's before-snapshot.",
  )
  const wipHead = git('rev-parse', 'HEAD')
  cpo(['snapshot', 'restore', snap.id])
  assert.equal(read('src/accounts/signin.ts').includes('signIn'), true)
  assert.equal(git('rev-parse', 'HEAD'), snap.head)
  assert.equal(git('diff', '--cached', '--name-only'), 'src/index.ts')
  assert.equal(exists('src/budgets/budget.ts'), true)

  say(
    'changed your mind? undo',
    'cpo undo restores the state before the last operation; undoing an undo redoes.',
  )
  cpo(['undo'])
  assert.equal(git('rev-parse', 'HEAD'), wipHead)
  assert.equal(exists('src/accounts/signin.ts'), false)
  cpo(['undo'])
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
  cpo(['log'])

  say(
    'a full backup',
    `One archive with every ref (snapshots included), the state files and a redacted\nenv template, written to ${store}. verify --deep re-hashes every entry and test-restores it.`,
  )
  write('.env', 'DATABASE_URL=postgres://app:s3cr3t-pass@localhost:5432/ledgerly\nPORT=3000\n')
  cpo(['backup', 'create', '--store', store, '--tag', 'after-S3-snapshot'])
  cpo(['backup', 'list', '--store', store])
  cpo([
    'backup',
    'verify',
    '--deep',
    '--store',
    store,
    json(['backup', 'list', '--store', store]).backups[0].id,
  ])

  say('disaster: the project folder is gone', `rm -rf ${dir}`)
  const refsBefore = git('for-each-ref', '--format=%(refname) %(objectname)')
  fs.rmSync(dir, { recursive: true, force: true })

  say(
    'restore on a new machine (here: a new folder)',
    'Every ref comes back, HEAD is checked out, state files are put back;\nsecrets come back only as names to fill in.',
  )
  const id = JSON.parse(
    spawnSync(process.execPath, [CLI, 'backup', 'list', '--store', store, '--json'], {
      encoding: 'utf8',
      cwd: base,
    }).stdout,
  ).data.backups[0].id
  process.stdout.write(`\n  $ cpo restore ${id} ${restored} --store ${store}\n`)
  const r = spawnSync(process.execPath, [CLI, 'restore', id, restored, '--store', store], {
    encoding: 'utf8',
    cwd: base,
  })
  process.stdout.write(`${`${r.stdout}${r.stderr}`.trimEnd().replace(/^/gm, '    ')}\n`)
  assert.equal(r.status, 0, 'restore exit code')
  const restoredGit = (...args) =>
    execFileSync('git', args, { cwd: restored, encoding: 'utf8' }).trim()
  assert.equal(restoredGit('for-each-ref', '--format=%(refname) %(objectname)'), refsBefore)
  assert.deepEqual(
    JSON.parse(fs.readFileSync(path.join(restored, 'master-project.json'), 'utf8')),
    masterProject,
  )
  assert.equal(fs.readFileSync(path.join(restored, 'cpo-progress.md'), 'utf8'), progressLog)

  process.stdout.write('\nDemo finished: every step above was checked.\n')
} finally {
  if (process.env.CPO_DEMO_KEEP) process.stdout.write(`(kept ${base})\n`)
  else fs.rmSync(base, { recursive: true, force: true })
}
