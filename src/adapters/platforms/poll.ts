import { CpoError } from '../../errors.js'
import type { FollowOptions, JobResult, JobState } from './types.js'

/** What one look at a platform job says. */
export interface JobCheck {
  state: JobState
  detail?: string
  servingId?: string
}

/** The platforms' own CLIs poll every 250 ms to 2 s; half a second sits between. */
export const DEFAULT_POLL_MS = 500

/**
 * Polls `check` until the job is final or `timeoutMs` has passed (the job may still finish on
 * the platform then: the caller says so). Every poll is reported through `onProgress`.
 */
export async function pollJob(
  check: () => Promise<JobCheck>,
  options: FollowOptions,
): Promise<JobResult> {
  const started = Date.now()
  for (;;) {
    const r = await check()
    const elapsed = Date.now() - started
    options.onProgress?.(r.state, elapsed)
    if (r.state === 'succeeded' || r.state === 'failed') {
      return {
        state: r.state,
        ...(r.detail === undefined ? {} : { detail: r.detail }),
        ...(r.servingId === undefined ? {} : { servingId: r.servingId }),
      }
    }
    if (elapsed >= options.timeoutMs) {
      return { state: 'timeout', ...(r.detail === undefined ? {} : { detail: r.detail }) }
    }
    const wait = Math.min(options.pollMs ?? DEFAULT_POLL_MS, options.timeoutMs - elapsed)
    await new Promise((r) => setTimeout(r, Math.max(wait, 0)))
  }
}

/** The id a config field must hold, or a clear error naming the field and the file. */
export function requireId(
  value: string | undefined,
  platform: string,
  field: string,
  what: string,
): string {
  if (value !== undefined && value !== '') return value
  throw missingId(platform, field, what)
}

export function missingId(platform: string, field: string, what: string): CpoError {
  return new CpoError(
    'DEPLOY_CONFIG_INVALID',
    'invalidInput',
    `the ${platform} deployment config has no ${field} (${what})`,
    {
      hint: `Add it to cpo.config.json: {"deployment": {"platform": "${platform}", "${field}": "<${what}>"}}`,
    },
  )
}
