import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { create as createLocal, type ReleaseMeta } from '../../adapters/platforms/local.js'
import type { Repo } from '../../adapters/repo.js'
import { CpoError } from '../../errors.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { readDeploymentConfig } from './config.js'
import { deployEffect } from './effect.js'
import { effectConfig, excludeLocalDir } from './platform.js'
import { type RecordReport, recordDeployment } from './record.js'

export interface PublishReport extends OperationReport {
  release: ReleaseMeta
  previous: string | null
  dir: string
  /** The `prod-vK` checkpoint recording it. */
  recorded: RecordReport
}

/**
 * `cpo deploy local publish <build-dir>`: copies a build folder into a new release of the
 * local platform and points `current` at it (an effect: `cpo undo` points it back), then
 * records it like `cpo deploy record`.
 */
export async function publishLocal(
  repo: Repo,
  buildDir: string,
  options: { wait?: number } = {},
): Promise<PublishReport> {
  const resolved = await readDeploymentConfig(repo)
  if (resolved.config.platform !== 'local') {
    throw new CpoError(
      'NOT_LOCAL_PLATFORM',
      'invalidInput',
      `the deployment platform is ${resolved.config.platform}, not local`,
      {
        hint: 'Configure {"deployment": {"platform": "local"}} in cpo.config.json to publish locally.',
      },
    )
  }
  const source = path.resolve(buildDir)
  const st = await fsp.stat(source).catch(() => undefined)
  if (!st?.isDirectory()) {
    throw new CpoError('BUILD_DIR_NOT_FOUND', 'notFound', `no build directory ${source}`, {
      hint: 'Build first, then run `cpo deploy local publish <build-dir>`.',
    })
  }
  const platform = createLocal({ config: resolved.config, env: process.env, root: repo.root })
  if (source === platform.dir || source.startsWith(`${platform.dir}${path.sep}`)) {
    throw new CpoError(
      'BUILD_DIR_INVALID',
      'invalidInput',
      `${source} is inside the deploy directory`,
      {
        hint: 'Publish the build output folder (e.g. dist/), not a release.',
      },
    )
  }
  await excludeLocalDir(repo, resolved.config)
  const outcome = await runOperation(repo, {
    command: 'deploy local publish',
    args: [path.relative(repo.root, source) || '.'],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    captureAfter: false,
    plan: async (_r, _ops, scan) => ({
      head: (await scan()).head,
      previous: await platform.servingId(),
    }),
    apply: async (ctx, plan) => {
      const release = await platform.addRelease(source, {
        createdAt: new Date().toISOString(),
        commit: plan.head,
        source: path.relative(repo.root, source),
      })
      await ctx.runEffect(
        deployEffect({
          platform: 'local',
          config: effectConfig(resolved.config),
          previous: plan.previous,
          target: release.id,
          timeoutMs: 10_000,
        }),
        () => platform.promote(release.id),
      )
      return { summary: `local release ${release.id} serves`, result: release }
    },
  })
  if (outcome.dryRun) throw new Error('publish has no dry run')
  const recorded = await recordDeployment(repo, {
    id: outcome.result.id,
    platform,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
  })
  return {
    ...reportOf(outcome),
    release: outcome.result,
    previous: outcome.plan.previous,
    dir: platform.dir,
    recorded,
  }
}
