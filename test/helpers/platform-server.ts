import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEveryTest } from './hooks.js'

/**
 * A tiny real HTTP server on 127.0.0.1 for platform contract fakes: a route table, every
 * request recorded, scripted replies served before the route (a 429 with Retry-After, a 503
 * then success), closed after each test.
 */

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: http.IncomingHttpHeaders
  /** Parsed JSON when it is JSON, else the raw text; null when empty. */
  body: any
  /** `:name` segments of the route that matched. */
  params: Record<string, string>
}

export interface Reply {
  status?: number
  body?: unknown
  headers?: Record<string, string>
  /** Wait this long before answering (a slow platform). */
  delayMs?: number
}

export type Handler = (req: RecordedRequest) => Reply | Promise<Reply>

export interface PlatformServer {
  url: string
  requests: RecordedRequest[]
  /** `route('GET /v6/deployments', handler)`; `:id` segments match anything. */
  route(key: string, handler: Handler | Reply): void
  /** Replies served, in order, to the next requests matching `key`, before its route. */
  script(key: string, ...replies: Reply[]): void
  /** Requests matching `METHOD /path` (path without the query). */
  calls(key: string): RecordedRequest[]
  close(): Promise<void>
}

const open: PlatformServer[] = []
afterEveryTest(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
})

export async function startPlatformServer(
  routes: Record<string, Handler | Reply> = {},
): Promise<PlatformServer> {
  const table: { key: string; method: string; pattern: RegExp; names: string[]; h: Handler }[] = []
  const scripted = new Map<string, Reply[]>()
  const requests: RecordedRequest[] = []

  const compile = (key: string) => {
    const [method = 'GET', pathPattern = '/'] = key.split(' ')
    const names: string[] = []
    const source = pathPattern
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          names.push(seg.slice(1))
          return '([^/]+)'
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      })
      .join('/')
    return { method, pattern: new RegExp(`^${source}$`), names }
  }
  const route = (key: string, handler: Handler | Reply) => {
    const h: Handler = typeof handler === 'function' ? handler : () => handler
    table.unshift({ key, ...compile(key), h })
  }
  for (const [k, h] of Object.entries(routes)) route(k, h)

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown = null
      if (text !== '') {
        try {
          body = JSON.parse(text)
        } catch {
          body = text
        }
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        params: {},
      }
      requests.push(recorded)
      let reply: Reply = { status: 404, body: { error: { message: `no route ${url.pathname}` } } }
      for (const r of table) {
        const m = r.method === recorded.method ? r.pattern.exec(recorded.path) : null
        if (!m) continue
        recorded.params = Object.fromEntries(r.names.map((n, i) => [n, m[i + 1] ?? '']))
        const queue = scripted.get(r.key)
        try {
          reply = queue && queue.length > 0 ? (queue.shift() as Reply) : await r.h(recorded)
        } catch (error) {
          reply = { status: 500, body: { error: { message: String(error) } } }
        }
        break
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs))
      const payload =
        reply.body === undefined
          ? ''
          : typeof reply.body === 'string'
            ? reply.body
            : JSON.stringify(reply.body)
      res.writeHead(reply.status ?? 200, {
        'content-type': 'application/json',
        ...reply.headers,
      })
      res.end(payload)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const s: PlatformServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    route,
    script(key, ...replies) {
      if (!table.some((r) => r.key === key)) route(key, { status: 500 })
      scripted.set(key, [...(scripted.get(key) ?? []), ...replies])
    },
    calls(key) {
      const { method, pattern } = compile(key)
      return requests.filter((r) => r.method === method && pattern.test(r.path))
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  open.push(s)
  return s
}

/** A port on 127.0.0.1 where nothing listens (for connection-refused tests). */
export async function closedPort(): Promise<string> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
