import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { candidacy } from '../../core/deploy/types.js'
import { CpoError } from '../../errors.js'
import { fsyncDir, writeFileAtomic } from '../fs.js'
import type {
  Deployment,
  FollowOptions,
  JobResult,
  Pitfall,
  Platform,
  PlatformContext,
  PlatformJob,
} from './types.js'

/**
 * The built-in platform: releases are directories under `<path>/releases/<id>/`, production is
 * the `<path>/current` symlink, swapped atomically (a new link under a temporary name renamed
 * over the old one), so a server reading `current` never sees a missing or half-made release.
 * Each release's metadata sits beside it (`<id>.json`), not inside what is served.
 */

export const DEFAULT_LOCAL_PATH = '.deploy'

export interface ReleaseMeta {
  id: string
  createdAt: string
  commit: string | null
  /** The build folder it was copied from, relative to the repository. */
  source: string
}

export function localDir(root: string, configured: string | undefined): string {
  return path.resolve(root, configured ?? DEFAULT_LOCAL_PATH)
}

export function create(context: PlatformContext): LocalPlatform {
  return new LocalPlatform(localDir(context.root, context.config.path))
}

export class LocalPlatform implements Platform {
  readonly name = 'local' as const
  readonly target: string
  private readonly releases: string
  private readonly link: string

  constructor(readonly dir: string) {
    this.target = `directory ${dir}`
    this.releases = path.join(dir, 'releases')
    this.link = path.join(dir, 'current')
  }

  async list(options: { limit?: number } = {}): Promise<Deployment[]> {
    const [names, serving] = await Promise.all([
      fsp.readdir(this.releases).catch(() => [] as string[]),
      this.servingId(),
    ])
    const metas = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => this.readMeta(n.slice(0, -5))),
    )
    return metas
      .filter((m): m is ReleaseMeta => m !== undefined)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, options.limit ?? Number.POSITIVE_INFINITY)
      .map((m) => this.deployment(m, serving))
  }

  async current(): Promise<Deployment | null> {
    const id = await this.servingId()
    if (id === null) return null
    const meta = await this.readMeta(id)
    return meta ? this.deployment(meta, id) : null
  }

  async rollback(target: Deployment): Promise<PlatformJob> {
    return this.promote(target.id)
  }

  async promote(deploymentId: string): Promise<PlatformJob> {
    if (!(await this.readMeta(deploymentId))) {
      throw new CpoError(
        'PLATFORM_NOT_FOUND',
        'notFound',
        `no local release ${deploymentId} in ${this.releases}`,
        { hint: 'See the releases with `cpo deploy list`.' },
      )
    }
    await this.pointAt(deploymentId)
    return { deploymentId, requestedAt: new Date().toISOString() }
  }

  async stopServing(): Promise<void> {
    await fsp.rm(this.link, { force: true })
    await fsyncDir(this.dir)
  }

  /** A symlink swap is finished when it returns: following only checks where `current` points. */
  async follow(job: PlatformJob, options: FollowOptions): Promise<JobResult> {
    options.onProgress?.('succeeded', 0)
    const serving = await this.servingId()
    return serving === job.deploymentId
      ? { state: 'succeeded', servingId: serving }
      : {
          state: 'failed',
          detail: `current points at ${serving ?? 'nothing'}`,
          ...(serving ? { servingId: serving } : {}),
        }
  }

  pitfalls(): Pitfall[] {
    return [
      {
        code: 'env-not-rolled-back',
        message:
          'environment variables are not part of a local release: the rolled-back release runs with the current ones',
      },
    ]
  }

  /** Copies a build folder into a new release; does not make it serve. */
  async addRelease(buildDir: string, meta: Omit<ReleaseMeta, 'id'>): Promise<ReleaseMeta> {
    const id = `r${meta.createdAt.replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(2).toString('hex')}`
    const release: ReleaseMeta = { id, ...meta }
    const dest = path.join(this.releases, id)
    await fsp.mkdir(this.releases, { recursive: true })
    // Copied under a temporary name first: a release directory that exists is complete.
    const temp = path.join(this.releases, `.incoming-${id}`)
    await fsp.cp(buildDir, temp, { recursive: true, verbatimSymlinks: true, errorOnExist: true })
    await fsp.rename(temp, dest)
    await writeFileAtomic(path.join(this.releases, `${id}.json`), `${JSON.stringify(release)}\n`)
    return release
  }

  async servingId(): Promise<string | null> {
    const target = await fsp.readlink(this.link).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null
      throw e
    })
    return target === null ? null : path.basename(target)
  }

  private async pointAt(id: string): Promise<void> {
    const temp = path.join(this.dir, `.current-${randomBytes(4).toString('hex')}`)
    await fsp.symlink(path.join('releases', id), temp)
    try {
      await fsp.rename(temp, this.link)
    } catch (error) {
      await fsp.rm(temp, { force: true })
      throw error
    }
    await fsyncDir(this.dir)
  }

  private async readMeta(id: string): Promise<ReleaseMeta | undefined> {
    if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith('.')) return undefined
    const text = await fsp.readFile(path.join(this.releases, `${id}.json`), 'utf8').catch(() => '')
    if (text === '') return undefined
    try {
      return JSON.parse(text) as ReleaseMeta
    } catch {
      return undefined
    }
  }

  private deployment(m: ReleaseMeta, serving: string | null): Deployment {
    return {
      id: m.id,
      createdAt: m.createdAt,
      commit: m.commit,
      url: `file://${path.join(this.releases, m.id)}`,
      state: 'ready',
      rawState: 'ready',
      ...candidacy(m.id === serving),
    }
  }
}
