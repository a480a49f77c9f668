import { describe, expect, it } from 'vitest'
import { platformFromHosting, resolveConfig } from '../../src/core/deploy/config.js'
import { pickRollbackTarget } from '../../src/core/deploy/target.js'
import type { Deployment } from '../../src/core/deploy/types.js'

describe('deployment configuration', () => {
  it('a deployment block wins, and takes the ids it leaves out from the platform file', () => {
    const r = resolveConfig({
      blocks: [
        { file: 'master-project.json', value: undefined },
        {
          file: 'cpo.config.json',
          value: { platform: 'vercel', healthUrl: 'https://x.dev/health' },
        },
      ],
      files: {
        vercelProject: { orgId: 'team_1', projectId: 'prj_1' },
        netlifyState: { siteId: 's' },
      },
      hosting: 'Railway',
    })
    expect(r.config).toEqual({
      platform: 'vercel',
      projectId: 'prj_1',
      teamId: 'team_1',
      healthUrl: 'https://x.dev/health',
    })
    expect(r.source).toEqual({ kind: 'block', file: 'cpo.config.json' })
    expect(r.detected.map((d) => d.platform)).toEqual(['vercel', 'vercel', 'netlify', 'railway'])
  })

  it('without a block: the platform files in order, then techStack.hosting, then local', () => {
    const files = resolveConfig({
      blocks: [],
      files: { herokuRemote: 'https://git.heroku.com/demo-app.git' },
    })
    expect(files.config).toEqual({ platform: 'heroku', appId: 'demo-app' })
    const hosting = resolveConfig({ blocks: [], files: {}, hosting: 'DigitalOcean App Platform' })
    expect([hosting.config.platform, hosting.source.kind]).toEqual(['digitalocean', 'hosting'])
    expect(resolveConfig({ blocks: [], files: {} }).config).toEqual({ platform: 'local' })
    expect(platformFromHosting('Vercel (Hobby)')).toBe('vercel')
    expect(platformFromHosting('bare metal')).toBeUndefined()
  })

  it('refuses a block with an unknown platform, a bad URL or a path leaving the repository', () => {
    const block = (value: unknown) => () =>
      resolveConfig({ blocks: [{ file: 'cpo.config.json', value }], files: {} })
    expect(block({ platform: 'fly' })).toThrow(/platform "fly", not one of local, vercel/)
    expect(block({ platform: 'local', healthUrl: 'localhost:3000' })).toThrow(
      /healthUrl must be an http/,
    )
    expect(block({ platform: 'local', path: '../elsewhere' })).toThrow(/path must be relative/)
  })
})

const d = (id: string, extra: Partial<Deployment> = {}): Deployment => ({
  id,
  createdAt: '2026-01-01T00:00:00.000Z',
  commit: null,
  url: null,
  state: 'ready',
  rawState: 'READY',
  current: false,
  rollbackCandidate: true,
  ...extra,
})

describe('the default rollback target', () => {
  it('is the newest earlier candidate, skipping ones the platform refuses', () => {
    const list = [
      d('new'),
      d('cur', { current: true, rollbackCandidate: false }),
      d('broken', { rollbackCandidate: false }),
      d('ok'),
      d('older'),
    ]
    expect(pickRollbackTarget(list, undefined, 'p').target.id).toBe('ok')
    expect(() => pickRollbackTarget(list, 'broken', 'p')).toThrow(/cannot be a rollback target/)
    expect(() => pickRollbackTarget([d('cur', { current: true })], undefined, 'p')).toThrow(
      /no earlier/,
    )
    expect(() => pickRollbackTarget([d('a')], undefined, 'p')).toThrow(/nothing serves/)
  })
})
