import { CpoError } from '../../errors.js'

/**
 * The one HTTP client every platform adapter uses: Node's `fetch` with a timeout per request,
 * retries on 429 and 5xx that honour `Retry-After` (bounded, with jitter), pagination helpers
 * and one mapping of failures to CpoError. Tokens come from the environment only and are
 * scrubbed from every message this module produces (ARCHITECTURE.md, "Deployments").
 */

export interface Token {
  /** The environment variable it came from (named in messages, the value never is). */
  variable: string
  value: string
}

/**
 * The first of `variables` that is set. Missing → a CpoError naming them all, so the user knows
 * exactly what to export.
 */
export function tokenFrom(env: NodeJS.ProcessEnv, platform: string, variables: string[]): Token {
  for (const variable of variables) {
    const value = env[variable]
    if (value !== undefined && value !== '') return { variable, value }
  }
  const first = variables[0] ?? 'TOKEN'
  throw new CpoError(
    'PLATFORM_TOKEN_MISSING',
    'invalidInput',
    `no ${platform} token: set ${variables.join(' or ')} in the environment`,
    { hint: `export ${first}=<token> (create one in the ${platform} dashboard), then run again` },
  )
}

/** `CPO_<PLATFORM>_API_URL` when set (tests, proxies), else the platform's own. */
export function baseUrlFor(env: NodeJS.ProcessEnv, platform: string, fallback: string): string {
  const own = env[`CPO_${platform.toUpperCase()}_API_URL`]
  return (own && own !== '' ? own : fallback).replace(/\/+$/, '')
}

export interface HttpClientOptions {
  /** For messages: "vercel". */
  platform: string
  baseUrl: string
  token: Token
  /** How the token is sent: `Authorization: Bearer` unless the platform wants another header. */
  authHeader?: (token: string) => Record<string, string>
  headers?: Record<string, string>
  /** Per request, default 30 s. */
  timeoutMs?: number
  /** Retries after the first attempt, default 4. */
  retries?: number
  /** No single wait is longer than this, whatever Retry-After says (default 30 s). */
  maxDelayMs?: number
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  headers?: Record<string, string>
  /** Names the thing a 404 means is missing: "deployment dpl_1". */
  notFound?: string
  /**
   * False for requests that must not be sent twice when the first may have been processed:
   * only 429 and 503 (not processed, by definition) are retried then. Default: GET true.
   */
  idempotent?: boolean
}

export interface HttpResponse<T> {
  status: number
  headers: Headers
  body: T
}

export class HttpClient {
  readonly platform: string
  readonly baseUrl: string
  private readonly token: Token
  private readonly auth: Record<string, string>
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number
  private readonly retries: number
  private readonly maxDelayMs: number

  constructor(o: HttpClientOptions) {
    this.platform = o.platform
    this.baseUrl = o.baseUrl.replace(/\/+$/, '')
    this.token = o.token
    this.auth = (o.authHeader ?? bearer)(o.token.value)
    this.headers = o.headers ?? {}
    this.timeoutMs = o.timeoutMs ?? 30_000
    this.retries = o.retries ?? 4
    this.maxDelayMs = o.maxDelayMs ?? 30_000
  }

  get<T>(path: string, o: RequestOptions = {}): Promise<HttpResponse<T>> {
    return this.request<T>('GET', path, o)
  }

  post<T>(path: string, o: RequestOptions = {}): Promise<HttpResponse<T>> {
    return this.request<T>('POST', path, o)
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<HttpResponse<T>> {
    const url = this.url(path, o.query)
    const idempotent = o.idempotent ?? (method === 'GET' || method === 'HEAD')
    const where = `${method} ${url.pathname}`
    for (let attempt = 0; ; attempt++) {
      let response: Response
      try {
        response = await fetch(url, {
          method,
          headers: {
            accept: 'application/json',
            ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...this.headers,
            ...o.headers,
            ...this.auth,
          },
          ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
          signal: AbortSignal.timeout(this.timeoutMs),
        })
      } catch (error) {
        if (idempotent && attempt < this.retries) {
          await sleep(backoff(attempt, this.maxDelayMs))
          continue
        }
        throw this.unreachable(where, error)
      }
      const retryable =
        response.status === 429 || response.status === 503 || (idempotent && response.status >= 500)
      if (retryable && attempt < this.retries) {
        await response.body?.cancel().catch(() => {})
        const after = retryAfterMs(response.headers.get('retry-after'), Date.now())
        await sleep(Math.min(after ?? backoff(attempt, this.maxDelayMs), this.maxDelayMs))
        continue
      }
      const body = (await readBody(response)) as T
      if (response.ok) return { status: response.status, headers: response.headers, body }
      throw this.failure(response.status, where, body, o.notFound)
    }
  }

  /** Removes the token (and any Authorization value) from text that may reach a user. */
  scrub(text: string): string {
    return scrubSecrets(text, [this.token.value])
  }

  private url(path: string, query: RequestOptions['query']): URL {
    const url = new URL(path.startsWith('http') ? path : `${this.baseUrl}${path}`)
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v))
    }
    return url
  }

  private unreachable(where: string, error: unknown): CpoError {
    const timedOut = error instanceof Error && error.name === 'TimeoutError'
    const cause = error instanceof Error ? causeText(error) : String(error)
    return new CpoError(
      'PLATFORM_UNREACHABLE',
      'external',
      this.scrub(
        timedOut
          ? `${this.platform} did not answer ${where} within ${this.timeoutMs / 1000} s`
          : `cannot reach ${this.platform} at ${this.baseUrl} (${where}): ${cause}`,
      ),
      {
        hint: `Check the network (and CPO_${this.platform.toUpperCase()}_API_URL if set), then run the same command again.`,
      },
    )
  }

  private failure(status: number, where: string, body: unknown, notFound?: string): CpoError {
    const said = platformMessage(body)
    const tail = said ? `: ${said}` : ''
    const name = this.platform
    if (status === 401 || status === 403) {
      return new CpoError(
        'PLATFORM_AUTH',
        'external',
        this.scrub(
          `${name} refused the token in ${this.token.variable} (${status} on ${where})${tail}`,
        ),
        {
          hint:
            status === 401
              ? `The token in ${this.token.variable} is invalid or expired: create a new one and export ${this.token.variable}=<token>.`
              : `The token in ${this.token.variable} lacks access to this ${name} project or team: use a token with access (and check the team/account id in the deployment config).`,
        },
      )
    }
    if (status === 404) {
      return new CpoError(
        'PLATFORM_NOT_FOUND',
        'notFound',
        this.scrub(`${name} has no ${notFound ?? 'such resource'} (404 on ${where})${tail}`),
        { hint: 'Check the ids in the deployment config (`cpo deploy status` shows them).' },
      )
    }
    if (status === 409) {
      return new CpoError(
        'PLATFORM_CONFLICT',
        'conflict',
        this.scrub(`${name} refused ${where}${said ? `: ${said}` : ' (409 conflict)'}`),
        { hint: 'Run `cpo deploy list` to see which deployments can be rollback targets.' },
      )
    }
    return new CpoError(
      status === 429 || status >= 500 ? 'PLATFORM_ERROR' : 'PLATFORM_REJECTED',
      'external',
      this.scrub(`${name} answered ${status} to ${where}${tail}`),
      {
        hint:
          status === 429 || status >= 500
            ? `${name} kept failing after ${this.retries + 1} attempts: run the same command again later.`
            : 'Check the deployment config and the arguments, then run again.',
      },
    )
  }
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text()
  if (text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** What the platform said, in the shapes the supported APIs use. */
export function platformMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 300) || undefined
  if (body === null || typeof body !== 'object') return undefined
  const b = body as Record<string, unknown>
  const error = b.error
  if (typeof error === 'string') return typeof b.message === 'string' ? b.message : error
  if (error && typeof error === 'object') {
    const m = (error as Record<string, unknown>).message
    if (typeof m === 'string') return m
  }
  if (typeof b.message === 'string') return b.message
  if (Array.isArray(b.errors)) {
    const messages = b.errors
      .map((e) => (e && typeof e === 'object' ? (e as Record<string, unknown>).message : e))
      .filter((m): m is string => typeof m === 'string')
    if (messages.length > 0) return messages.join('; ')
  }
  return undefined
}

function causeText(error: Error): string {
  const cause = error.cause as { code?: string; message?: string } | undefined
  return cause?.code ?? cause?.message ?? error.message
}

/**
 * Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or
 * unreadable.
 */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}

/** Exponential backoff with full jitter, bounded. */
export function backoff(attempt: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, 250 * 2 ** attempt)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Replaces each secret, and anything after `Bearer ` or an Authorization header, by `***`. */
export function scrubSecrets(text: string, secrets: string[]): string {
  let out = text
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***')
  return out
    .replace(
      /((?:authorization|project-access-token)["']?\s*[:=]\s*["']?)(?:Bearer\s+)?[^\s"',]+/gi,
      '$1***',
    )
    .replace(/(Bearer\s+)(?!\*\*\*)[^\s"',]+/gi, '$1***')
}

/**
 * Pagination, whatever the style: `fetchPage` gets the cursor (undefined first) and returns its
 * items and the next cursor (a Vercel `until`, a GraphQL `endCursor`, a page number, a `next`
 * link), undefined at the end. Stops once `limit` items are in.
 */
export async function collectPages<T, C>(
  fetchPage: (cursor: C | undefined) => Promise<{ items: T[]; next: C | undefined }>,
  limit = Number.POSITIVE_INFINITY,
  maxPages = 100,
): Promise<T[]> {
  const out: T[] = []
  let cursor: C | undefined
  for (let page = 0; page < maxPages; page++) {
    const { items, next } = await fetchPage(cursor)
    out.push(...items)
    if (out.length >= limit || next === undefined || next === null || items.length === 0) break
    cursor = next
  }
  return out.slice(0, limit)
}

/** The `rel="next"` target of an RFC 8288 Link header (Netlify, Heroku ranges use others). */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part)
    if (m?.[1]) return m[1]
  }
  return undefined
}
