import { describe, expect, it } from 'vitest'
import {
  backoff,
  collectPages,
  HttpClient,
  nextLink,
  retryAfterMs,
  scrubSecrets,
  tokenFrom,
} from '../../src/adapters/platforms/http.js'
import { CpoError } from '../../src/errors.js'
import { closedPort, startPlatformServer } from '../helpers/platform-server.js'

const TOKEN = 'tok_http_test_4f9a1c'

const client = (
  baseUrl: string,
  extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {},
) =>
  new HttpClient({
    platform: 'vercel',
    baseUrl,
    token: { variable: 'VERCEL_TOKEN', value: TOKEN },
    maxDelayMs: 2000,
    ...extra,
  })

async function failure(p: Promise<unknown>): Promise<CpoError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  if (!(e instanceof CpoError)) throw new Error(`expected a CpoError, got ${String(e)}`)
  expect(e.message).not.toContain(TOKEN)
  expect(e.hint ?? '').not.toContain(TOKEN)
  return e
}

describe('the shared platform HTTP client', () => {
  it('sends the token as a bearer header and the body as JSON', async () => {
    const server = await startPlatformServer({
      'POST /v1/things': { status: 201, body: { ok: 1 } },
    })
    const r = await client(server.url).post('/v1/things', {
      body: { a: 1 },
      query: { teamId: 't' },
    })
    expect(r.body).toEqual({ ok: 1 })
    const [req] = server.calls('POST /v1/things')
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(req?.headers['content-type']).toBe('application/json')
    expect(req?.query).toEqual({ teamId: 't' })
    expect(req?.body).toEqual({ a: 1 })
  })

  it('waits out a 429 with Retry-After (seconds) and then succeeds', async () => {
    const server = await startPlatformServer({ 'GET /x': { body: { done: true } } })
    server.script('GET /x', { status: 429, headers: { 'retry-after': '1' }, body: {} })
    const started = Date.now()
    const r = await client(server.url).get<{ done: boolean }>('/x')
    expect(r.body.done).toBe(true)
    expect(server.calls('GET /x')).toHaveLength(2)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
  })

  it('retries a 503 on a POST and a 500 on a GET, but not a 500 on a POST', async () => {
    const server = await startPlatformServer({
      'GET /g': { body: 'fine' },
      'POST /p': { status: 201, body: {} },
    })
    server.script('GET /g', { status: 500 }, { status: 502 })
    server.script('POST /p', { status: 503, headers: { 'retry-after': '0' } })
    const c = client(server.url)
    expect((await c.get('/g')).body).toBe('fine')
    expect(server.calls('GET /g')).toHaveLength(3)
    expect((await c.post('/p')).status).toBe(201)
    expect(server.calls('POST /p')).toHaveLength(2)
    server.script('POST /p', { status: 500, body: { error: { message: 'boom' } } })
    const e = await failure(c.post('/p'))
    expect(e.code).toBe('PLATFORM_ERROR')
    expect(server.calls('POST /p')).toHaveLength(3)
  })

  it('gives up after the bounded number of retries', async () => {
    const server = await startPlatformServer({ 'GET /down': { status: 503 } })
    const e = await failure(client(server.url, { retries: 2 }).get('/down'))
    expect(e.code).toBe('PLATFORM_ERROR')
    expect(server.calls('GET /down')).toHaveLength(3)
  })

  it('maps 401, 403, 404 and 409 to errors naming the variable, the id or the platform message', async () => {
    const server = await startPlatformServer({
      'GET /401': { status: 401, body: { error: { message: `bad token ${TOKEN}` } } },
      'GET /403': { status: 403, body: { error: { message: 'forbidden' } } },
      'GET /404': { status: 404, body: { error: { message: 'not found' } } },
      'POST /409': {
        status: 409,
        body: { error: { message: 'Hobby plans may only roll back one step' } },
      },
    })
    const c = client(server.url)
    const e401 = await failure(c.get('/401'))
    expect([e401.code, e401.exitCode]).toEqual(['PLATFORM_AUTH', 6])
    expect(e401.message).toContain('VERCEL_TOKEN')
    expect(e401.hint).toContain('export VERCEL_TOKEN=')
    const e403 = await failure(c.get('/403'))
    expect(e403.code).toBe('PLATFORM_AUTH')
    expect(e403.hint).toContain('lacks access')
    const e404 = await failure(c.get('/404', { notFound: 'deployment dpl_9' }))
    expect([e404.code, e404.exitCode]).toEqual(['PLATFORM_NOT_FOUND', 3])
    expect(e404.message).toContain('deployment dpl_9')
    const e409 = await failure(c.post('/409'))
    expect([e409.code, e409.exitCode]).toEqual(['PLATFORM_CONFLICT', 4])
    expect(e409.message).toContain('Hobby plans may only roll back one step')
  })

  it('reports a refused connection and a timeout as PLATFORM_UNREACHABLE', async () => {
    const e = await failure(client(await closedPort(), { retries: 1 }).get('/x'))
    expect(e.code).toBe('PLATFORM_UNREACHABLE')
    expect(e.message).toContain('ECONNREFUSED')
    const server = await startPlatformServer({ 'GET /slow': { delayMs: 1500, body: {} } })
    const t = await failure(client(server.url, { retries: 0, timeoutMs: 200 }).get('/slow'))
    expect(t.code).toBe('PLATFORM_UNREACHABLE')
    expect(t.message).toContain('did not answer')
  })

  it('parses Retry-After, bounds backoff, scrubs tokens, follows pages and links', async () => {
    expect(retryAfterMs('3', 0)).toBe(3000)
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000)
    expect(retryAfterMs('soon', 0)).toBeUndefined()
    expect(backoff(20, 5000, () => 1)).toBe(5000)
    expect(backoff(0, 5000, () => 0)).toBe(125)
    expect(scrubSecrets(`Authorization: Bearer ${TOKEN} x ${TOKEN}`, [TOKEN])).toBe(
      'Authorization: *** x ***',
    )
    const pages: Record<string, { items: number[]; next: string | undefined }> = {
      start: { items: [1, 2], next: 'b' },
      b: { items: [3, 4], next: 'c' },
      c: { items: [5], next: undefined },
    }
    const seen: (string | undefined)[] = []
    const all = await collectPages<number, string>(async (cursor) => {
      seen.push(cursor)
      return pages[cursor ?? 'start'] as { items: number[]; next: string | undefined }
    })
    expect(all).toEqual([1, 2, 3, 4, 5])
    expect(seen).toEqual([undefined, 'b', 'c'])
    expect(await collectPages(async (c?: string) => pages[c ?? 'start'] as never, 3)).toEqual([
      1, 2, 3,
    ])
    expect(nextLink('<https://x/a?page=1>; rel="prev", <https://x/a?page=3>; rel="next"')).toBe(
      'https://x/a?page=3',
    )
    expect(() => tokenFrom({}, 'railway', ['RAILWAY_API_TOKEN', 'RAILWAY_TOKEN'])).toThrow(
      /RAILWAY_API_TOKEN or RAILWAY_TOKEN/,
    )
  })
})
