import { git } from '../../adapters/git.js'
import type { Deployment, Platform } from '../../adapters/platforms/types.js'
import type { Repo } from '../../adapters/repo.js'
import { prodName } from '../../core/checkpoint/names.js'
import { CpoError } from '../../errors.js'
import { projectContext } from '../checkpoint/context.js'
import { tagCheckpoint } from '../checkpoint/tagging.js'
import { readProjectDocument } from '../project-file.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { configuredPlatform } from './platform.js'
import { checkpointTags, nextProdVersion } from './prod-tags.js'

export interface RecordReport extends OperationReport {
  name: string
  tag: string
  commit: string
  deployment: Deployment
  platform: string
}

/**
 * `cpo deploy record [--id]`: tags `checkpoint/prod-vK` (next K) on the commit production was
 * built from, with the deployment in the tag's metadata; the timeline shows it. Default: the
 * deployment serving now.
 */
export async function recordDeployment(
  repo: Repo,
  options: { id?: string; wait?: number; platform?: Platform } = {},
): Promise<RecordReport> {
  const platform = options.platform ?? (await configuredPlatform(repo)).platform
  const outcome = await runOperation(repo, {
    command: 'deploy record',
    args: options.id === undefined ? [] : ['--id', options.id],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    plan: async (r, _ops, scan) => {
      const deployment = await findDeployment(platform, options.id)
      const commit = await deployedCommit(r, deployment, (await scan()).head)
      const tags = await checkpointTags(r)
      const already = tags.find((t) => t.deployment?.id === deployment.id)
      if (already) {
        throw new CpoError(
          'DEPLOYMENT_RECORDED',
          'conflict',
          `deployment ${deployment.id} is recorded already as checkpoint ${already.name}`,
          { hint: `See it with \`cpo checkpoint show ${already.name}\`.` },
        )
      }
      return { deployment, commit, name: prodName(nextProdVersion(tags)) }
    },
    apply: async (ctx, plan) => {
      const doc = await readProjectDocument(ctx.repo).catch(() => undefined)
      const head = await git(ctx.repo.root, ['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] })
      await tagCheckpoint(ctx.repo, {
        name: plan.name,
        kind: 'prod',
        ...projectContext(doc),
        commit: plan.commit,
        branch: head.code === 0 ? head.stdout.trim() : null,
        snapshot: ctx.before.ref,
        message: `${platform.name} deployment ${plan.deployment.id}`,
        subject: `checkpoint: ${plan.name} - ${platform.name} ${plan.deployment.id}`,
        deployment: { id: plan.deployment.id, platform: platform.name, url: plan.deployment.url },
      })
      return { summary: `${plan.name}: ${platform.name} ${plan.deployment.id}`, result: plan }
    },
  })
  if (outcome.dryRun) throw new Error('deploy record has no dry run')
  const { name, commit, deployment } = outcome.result
  return {
    ...reportOf(outcome),
    name,
    tag: `checkpoint/${name}`,
    commit,
    deployment,
    platform: platform.name,
  }
}

async function findDeployment(platform: Platform, id: string | undefined): Promise<Deployment> {
  if (id === undefined) {
    const current = await platform.current()
    if (!current) {
      throw new CpoError(
        'NO_CURRENT_DEPLOYMENT',
        'conflict',
        `nothing serves production on ${platform.target}`,
        {
          hint: 'Deploy first, or name one with `cpo deploy record --id <deployment>`.',
        },
      )
    }
    return current
  }
  const found = (await platform.list({ limit: 100 })).find((d) => d.id === id)
  if (!found) {
    throw new CpoError(
      'DEPLOYMENT_NOT_FOUND',
      'notFound',
      `no production deployment ${id} on ${platform.target}`,
      {
        hint: 'See the production deployments with `cpo deploy list`.',
      },
    )
  }
  return found
}

/** The commit the platform says it built, when this repository has it; else HEAD. */
async function deployedCommit(repo: Repo, d: Deployment, head: string): Promise<string> {
  if (d.commit === null) return head
  const r = await git(repo.root, ['rev-parse', '--verify', '--quiet', `${d.commit}^{commit}`], {
    okCodes: [1, 128],
  })
  if (r.code !== 0) {
    throw new CpoError(
      'DEPLOYED_COMMIT_UNKNOWN',
      'notFound',
      `deployment ${d.id} was built from ${d.commit}, which this repository does not have`,
      { hint: 'Fetch it (`git fetch`), then run `cpo deploy record` again.' },
    )
  }
  return r.stdout.trim()
}
