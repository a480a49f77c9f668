import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  commitAll,
  copyOf,
  cpo,
  fingerprint,
  keep,
  makeRepo,
  sh,
  tempDir,
  writeFiles,
} from '../helpers/repo.js'
import {
  countStory,
  fixtureText,
  markPassing,
  prdJson,
  read,
  rev,
  subject,
} from '../workflow/skill.js'

/*
 * A monorepo whose CPO project lives in apps/web/: master-project.json, prd.json and
 * cpo-progress.md beside each other there, nothing of the workflow at the repository root.
 */

const WEB = 'apps/web'
const STATE = `${WEB}/master-project.json`
const PRD = `${WEB}/prd.json`
const LOG = `${WEB}/cpo-progress.md`
const FLAG = ['--project-file', STATE]

const nested = (dir: string) => JSON.parse(read(dir, STATE))
const stage = (dir: string, id: string) => nested(dir).stages.find((s: any) => s.id === id)
const exists = (dir: string, rel: string) => fs.existsSync(path.join(dir, rel))

/** Nothing of the workflow ever appears at the root. */
function rootIsClean(dir: string) {
  for (const f of ['master-project.json', 'cpo-progress.md', 'prd.json']) {
    expect(exists(dir, f), `${f} at the root`).toBe(false)
  }
}

function run(dir: string, args: string[]) {
  const r = cpo(dir, ['--json', ...args])
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}${r.stdout}`).toBe(0)
  return r
}

let base: string | undefined
/** The monorepo, committed, not yet initialised: built once per file, copied for each test. */
function monorepo(extra: Record<string, string> = {}): string {
  base ??= keep(
    makeRepo({
      'README.md': '# monorepo\n',
      'apps/api/index.ts': 'export const api = 1\n',
      [STATE]: fixtureText('template-after-planning.json'),
      [PRD]: prdJson(['US-001', 'US-002']),
    }),
  )
  const dir = copyOf(base)
  if (Object.keys(extra).length > 0) {
    writeFiles(dir, extra)
    commitAll(dir, 'chore: cpo config')
  }
  return dir
}

/** One story commit as an agent makes it in the nested project: code and both flags, `git add -A`. */
function storyCommit(dir: string, id: string, prdId: string, file: string): string {
  writeFiles(dir, {
    [`${WEB}/src/${file}`]: `export const ${file.replace(/\W/g, '')} = 1\n`,
    [STATE]: countStory(markPassing(read(dir, STATE), id)),
    [PRD]: markPassing(read(dir, PRD), prdId),
  })
  return commitAll(dir, `feat(${id}): ${file}`)
}

/** stage start → story → stage complete → rollback stage → undo, with `args` locating the file. */
function lifecycle(dir: string, cwd: string, args: string[]) {
  run(cwd, [...args, 'init'])
  // The first commit that has the nested file (the root commit), found by its path.
  const first = sh(dir, 'git', 'rev-list', '--max-parents=0', 'HEAD').trim()
  expect(rev(dir, 'checkpoint/project-initialized^{commit}')).toBe(first)

  const planned = read(dir, STATE)
  run(cwd, [...args, 'stage', 'start', 'S1'])
  rootIsClean(dir)
  expect(stage(dir, 'S1').status).toBe('in_progress')
  expect(nested(dir).currentStage).toBe('S1')
  // cpo's own commit carries the nested state file and nothing else.
  expect(subject(dir)).toMatch(/^chore\(stage-1\): start /)
  expect(sh(dir, 'git', 'show', '--name-only', '--format=', 'HEAD').trim()).toBe(STATE)
  expect(sh(dir, 'git', 'show', `checkpoint/stage-1-start:${STATE}`)).toBe(planned)
  // The state sidecar is the nested file's bytes before the stage.
  expect(read(dir, '.checkpoints/master-project-before-stage-1.json')).toBe(planned)
  // Edited in place: the file keeps its layout, only the changed values differ.
  expect(read(dir, STATE).split('\n').length).toBe(planned.split('\n').length)

  storyCommit(dir, 'S1-US-001', 'US-001', 'app.ts')
  const r = run(cwd, [...args, 'stage', 'complete', 'S1', '--skip-verify'])
  expect(r.json.ok).toBe(true)
  rootIsClean(dir)
  expect(stage(dir, 'S1').status).toBe('tested')
  expect(read(dir, LOG)).toContain('S1')
  const completed = read(dir, STATE)
  const completedLog = read(dir, LOG)

  const back = run(cwd, [...args, 'rollback', 'stage', 'S1', '--reason', 'redo the setup', '--yes'])
  rootIsClean(dir)
  expect(stage(dir, 'S1').status).toBe('pending')
  expect(exists(dir, `${WEB}/src/app.ts`)).toBe(false)
  expect(read(dir, LOG)).toContain('redo the setup')
  expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
  // The rollback commit holds the nested files as they are on disk.
  expect(sh(dir, 'git', 'show', `HEAD:${STATE}`)).toBe(read(dir, STATE))

  run(cwd, [...args, 'undo', back.json.data.opId])
  rootIsClean(dir)
  expect(read(dir, STATE)).toBe(completed)
  expect(read(dir, LOG)).toBe(completedLog)
  expect(read(dir, `${WEB}/src/app.ts`)).toBe('export const appts = 1\n')
}

describe('a master-project.json in apps/web/', () => {
  it('--project-file from the root: stage start, story, complete, rollback stage, undo', () => {
    const dir = monorepo()
    lifecycle(dir, dir, FLAG)
  })

  it('--project-file relative to -C apps/web', () => {
    const dir = monorepo()
    lifecycle(dir, dir, ['-C', WEB, '--project-file', 'master-project.json'])
    const s = run(path.join(dir, 'apps/api'), [
      '--project-file',
      '../web/master-project.json',
      'status',
    ])
    expect(s.json.data.project.name).toBe(nested(dir).project.name)
  })

  it('cpo.config.json projectFile: every command follows it without a flag', () => {
    const dir = monorepo({ 'cpo.config.json': `${JSON.stringify({ projectFile: STATE })}\n` })
    const before = run(dir, ['status'])
    expect(before.json.data.project.stages.map((s: any) => s.id)).toEqual(['S1', 'S2', 'S3'])
    lifecycle(dir, dir, [])
    // Run from inside apps/api too: the config is at the repository root.
    const s = run(path.join(dir, 'apps/api'), ['timeline'])
    expect(JSON.stringify(s.json.data)).toContain('S1')
  })

  it('rollback story rewrites the nested state files and reverts only the code', () => {
    const dir = monorepo()
    run(dir, [...FLAG, 'init'])
    run(dir, [...FLAG, 'stage', 'start', 'S1'])
    storyCommit(dir, 'S1-US-001', 'US-001', 'app.ts')
    storyCommit(dir, 'S1-US-002', 'US-002', 'ci.ts')
    const head = rev(dir, 'HEAD')
    run(dir, [...FLAG, 'rollback', 'story', 'S1-US-001', '--reason', 'wrong scaffold', '--yes'])
    rootIsClean(dir)
    expect(rev(dir, 'HEAD~2')).toBe(head)
    expect(exists(dir, `${WEB}/src/app.ts`)).toBe(false)
    expect(read(dir, `${WEB}/src/ci.ts`)).toBe('export const cits = 1\n')
    const stories = stage(dir, 'S1').stories
    expect(stories.find((s: any) => s.id === 'S1-US-001')).toMatchObject({ passes: false })
    expect(stories.find((s: any) => s.id === 'S1-US-002')).toMatchObject({ passes: true })
    const prd = JSON.parse(read(dir, PRD)).userStories
    expect(prd.find((s: any) => s.id === 'US-001')).toMatchObject({
      passes: false,
      completedAt: null,
    })
    expect(prd.find((s: any) => s.id === 'US-002')).toMatchObject({ passes: true })
    expect(read(dir, LOG)).toContain('story-S1-US-001')
    expect(sh(dir, 'git', 'show', `HEAD:${PRD}`)).toBe(read(dir, PRD))
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
  })

  it('story pass and stage skip write the nested files', () => {
    const dir = monorepo()
    run(dir, [...FLAG, 'story', 'pass', 'S1-US-001'])
    expect(stage(dir, 'S1').stories[0].passes).toBe(true)
    expect(JSON.parse(read(dir, PRD)).userStories[0].passes).toBe(true)
    run(dir, [...FLAG, 'stage', 'skip', 'S3', '--reason', 'not needed'])
    expect(stage(dir, 'S3').status).toBe('skipped')
    expect(read(dir, LOG)).toContain('S3')
    rootIsClean(dir)
  })
})

describe('a project file cpo cannot use', () => {
  const refused = (dir: string, cwd: string, args: string[]) => {
    const before = fingerprint(dir)
    const r = cpo(cwd, ['--json', ...args, 'stage', 'start', 'S1'])
    expect(fingerprint(dir)).toEqual(before)
    return r
  }

  it('outside the repository: PROJECT_FILE_OUTSIDE_REPO, exit 2, nothing changed', () => {
    const dir = monorepo()
    const outside = path.join(path.dirname(dir), `${path.basename(dir)}-elsewhere.json`)
    fs.writeFileSync(outside, fixtureText('template-after-planning.json'))
    try {
      const r = refused(dir, dir, ['--project-file', outside])
      expect(r.code).toBe(2)
      expect(r.json.error?.code).toBe('PROJECT_FILE_OUTSIDE_REPO')
      expect(r.json.error?.message).toContain('outside the repository')
      expect(r.json.error?.hint).toContain('--project-file')
      const up = refused(dir, path.join(dir, WEB), ['--project-file', '../../../x.json'])
      expect(up.json.error?.code).toBe('PROJECT_FILE_OUTSIDE_REPO')
    } finally {
      fs.rmSync(outside)
    }
  })

  it('missing: PROJECT_FILE_NOT_FOUND, exit 3, nothing changed', () => {
    const dir = monorepo()
    const r = refused(dir, dir, ['--project-file', 'apps/wbe/master-project.json'])
    expect(r.code).toBe(3)
    expect(r.json.error?.code).toBe('PROJECT_FILE_NOT_FOUND')
    expect(r.json.error?.message).toContain('apps/wbe/master-project.json')
    expect(r.json.error?.hint).toContain('--project-file apps/web/master-project.json')
  })

  it('cpo.config.json naming a missing file, or a key cpo does not know: a clear error', () => {
    const missing = monorepo({
      'cpo.config.json': '{"projectFile": "apps/nope/master-project.json"}\n',
    })
    const r = refused(missing, missing, [])
    expect(r.code).toBe(3)
    expect(r.json.error?.code).toBe('PROJECT_FILE_NOT_FOUND')
    expect(r.json.error?.message).toContain('cpo.config.json')
    expect(r.json.error?.hint).toContain('"projectFile"')

    const typo = monorepo({ 'cpo.config.json': `{"projectfile": "${STATE}"}\n` })
    const t = refused(typo, typo, [])
    expect(t.code).toBe(5)
    expect(t.json.error?.code).toBe('CONFIG_INVALID')
    expect(t.json.error?.message).toContain('projectfile')

    const broken = monorepo({ 'cpo.config.json': '{"projectFile": ' })
    const b = refused(broken, broken, [])
    expect(b.json.error?.code).toBe('CONFIG_INVALID')
    expect(b.json.error?.message).toContain('not valid JSON')
  })
})

describe('backups and checks follow the nested state file', () => {
  it('backup create carries the nested state files as on disk and warns about a broken one', () => {
    const dir = monorepo({ 'cpo.config.json': `${JSON.stringify({ projectFile: STATE })}\n` })
    const store = path.join(tempDir('cpo-store-'), 'store')
    const edited = read(dir, STATE).replace('"planning"', '"execution"')
    writeFiles(dir, { [STATE]: edited, [LOG]: '# progress\n- planned\n' })
    const created = run(dir, ['backup', 'create', '--store', store])
    expect(created.json.data.warnings).toEqual([])
    const target = path.join(tempDir(), 'restored')
    run(tempDir(), ['restore', created.json.data.id, target, '--store', store])
    expect(read(target, STATE)).toBe(edited)
    expect(read(target, LOG)).toBe('# progress\n- planned\n')
    expect(exists(target, 'master-project.json')).toBe(false)

    writeFiles(dir, { [STATE]: '{"project": {"name": "web"},\n  "stages": [\n' })
    const broken = run(dir, ['backup', 'create', '--store', store])
    expect(broken.json.data.warnings).toEqual([
      expect.objectContaining({
        code: 'STATE_FILE_INVALID',
        entry: `files/${STATE}`,
        message: expect.stringContaining(`${STATE} is not valid JSON`),
      }),
    ])
  })

  it('check finds a nested claim git does not show, state repair fixes it in place', () => {
    const dir = monorepo()
    const text = read(dir, STATE)
    const at = text.indexOf('"id": "S1"')
    const claimed = text.slice(0, at) + text.slice(at).replace('"pending"', '"tested"')
    writeFiles(dir, { [STATE]: claimed })
    commitAll(dir, 'chore: claim S1 done')
    const r = cpo(dir, ['--json', ...FLAG, 'check'])
    expect(r.code).toBe(4)
    expect(r.json.data.problems).toEqual([
      expect.objectContaining({ kind: 'done-without-checkpoint', stage: 'S1' }),
    ])
    const diagnosed = cpo(dir, ['--json', ...FLAG, 'diagnose']).json.data
    expect(diagnosed.checks.find((c: any) => c.id === 'state')).toMatchObject({ status: 'fail' })
    run(dir, [...FLAG, 'state', 'repair'])
    rootIsClean(dir)
    expect(stage(dir, 'S1').status).toBe('pending')
    expect(cpo(dir, ['--json', ...FLAG, 'check']).code).toBe(0)
  })
})

describe('the deployment configuration reads the same files', () => {
  it('a deployment block in the nested state file, then in cpo.config.json', () => {
    const project = JSON.parse(fixtureText('template-after-planning.json'))
    const withBlock = `${JSON.stringify({ ...project, deployment: { platform: 'local', path: '.deploy-web' } }, null, 2)}\n`
    const config = { projectFile: STATE, deployment: { platform: 'local', path: '.deploy-root' } }
    const dir = monorepo({ [STATE]: withBlock, 'cpo.config.json': `${JSON.stringify(config)}\n` })
    const nestedFirst = run(dir, ['deploy', 'status']).json.data
    expect(nestedFirst.source).toEqual({ kind: 'block', file: STATE })
    expect(nestedFirst.config).toMatchObject({ platform: 'local', path: '.deploy-web' })

    writeFiles(dir, { [STATE]: fixtureText('template-after-planning.json') })
    const fromConfig = run(dir, ['deploy', 'status']).json.data
    expect(fromConfig.source).toEqual({ kind: 'block', file: 'cpo.config.json' })
    expect(fromConfig.config).toMatchObject({ platform: 'local', path: '.deploy-root' })
  })
})

describe('cpo init --git in a monorepo folder that is not a repository yet', () => {
  it('commits the project and tags the commit that holds the nested state file', () => {
    const dir = tempDir()
    writeFiles(dir, { [STATE]: fixtureText('template-after-planning.json'), 'README.md': '# m\n' })
    const env = {
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.com',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.com',
    }
    const r = cpo(dir, ['--json', ...FLAG, 'init', '--git'], env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.project).toMatchObject({ file: STATE, stages: 3 })
    expect(rev(dir, 'checkpoint/project-initialized^{commit}')).toBe(rev(dir, 'HEAD'))
    expect(sh(dir, 'git', 'show', `HEAD:${STATE}`)).toBe(read(dir, STATE))
    rootIsClean(dir)
  })
})

describe('checkpoint sidecars in a monorepo', () => {
  it('rebuilds the state sidecar from the nested file at the tag', () => {
    const dir = monorepo({ 'cpo.config.json': `${JSON.stringify({ projectFile: STATE })}\n` })
    const planned = read(dir, STATE)
    run(dir, ['stage', 'start', 'S1'])
    const sidecar = '.checkpoints/master-project-before-stage-1.json'
    fs.rmSync(path.join(dir, sidecar))
    const r = run(dir, ['checkpoint', 'sidecars', 'stage-1-start'])
    expect(JSON.stringify(r.json.data)).toContain(sidecar)
    expect(read(dir, sidecar)).toBe(planned)
  })
})
