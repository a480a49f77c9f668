// The demo's last act: a local production deploy that breaks and is rolled back, checked by a
// health URL served by a real HTTP server (a separate process) from `.deploy/current`.

import assert from 'node:assert/strict'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const SERVER = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path')
const root = process.argv[1]
const s = http.createServer((req, res) => {
  const file = path.join(root, '.deploy', 'current', 'health')
  res.writeHead(fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : 503)
  res.end()
})
s.listen(0, '127.0.0.1', () => console.log(s.address().port))
`

/** Publishes a good release and a broken one, rolls production back, undoes, redoes. */
export async function productionRollback({ dir, cli, say }) {
  const server = spawn(process.execPath, ['-e', SERVER, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const port = await new Promise((resolve) =>
      server.stdout.once('data', (b) => resolve(String(b).trim())),
    )
    const healthUrl = `http://127.0.0.1:${port}/health`
    const health = async () => (await fetch(healthUrl)).status
    const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim()
    const write = (file, content) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
      fs.writeFileSync(path.join(dir, file), content)
    }
    const cpo = (args, expectCode = 0) => {
      process.stdout.write(`\n  $ cpo ${args.join(' ')}\n`)
      const r = spawnSync(process.execPath, [cli, ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, CPO_FAULT: '' },
      })
      const shown = `${r.stdout}${r.stderr}`.trimEnd()
      if (shown) process.stdout.write(`${shown.replace(/^/gm, '    ')}\n`)
      assert.equal(r.status, expectCode, `cpo ${args.join(' ')} exit code`)
      return r
    }

    say(
      'production, locally',
      `The built-in local platform: releases under .deploy/releases/, .deploy/current swapped\natomically, a health URL (${healthUrl}) served from current by a real HTTP server.`,
    )
    write(
      'cpo.config.json',
      `${JSON.stringify({ deployment: { platform: 'local', healthUrl } }, null, 2)}\n`,
    )
    write('build/index.html', '<h1>ledgerly v1</h1>\n')
    write('build/health', '200\n')
    git('add', '-A')
    git('commit', '-q', '-m', 'chore: local production deployment')
    cpo(['deploy', 'local', 'publish', 'build'])
    assert.equal(await health(), 200)

    say('a release that breaks production', 'v2 answers 500 on every request.')
    write('build/index.html', '<h1>ledgerly v2</h1>\n')
    write('build/health', '500\n')
    git('add', '-A')
    git('commit', '-q', '-m', 'feat: v2 (broken)')
    cpo(['deploy', 'local', 'publish', 'build'])
    assert.equal(await health(), 500)
    cpo(['deploy', 'list'])

    say(
      'roll production back',
      'One command: the previous release serves, the health check goes green.',
    )
    cpo(['rollback', 'deploy', '--reason', 'v2 returns 500s'])
    assert.equal(await health(), 200)
    cpo(['timeline'])

    say(
      'undo is a swap back',
      '`cpo undo` makes the broken release serve again; `cpo redo` fixes it again.',
    )
    cpo(['undo'])
    assert.equal(await health(), 500)
    cpo(['redo'])
    assert.equal(await health(), 200)
  } finally {
    server.kill()
  }
}
