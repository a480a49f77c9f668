/**
 * The health check after a rollback or promote: GET `url` until it answers 2xx, a few tries
 * apart (a swapped release or a new alias can take a moment to serve).
 */
export interface HealthResult {
  url: string
  healthy: boolean
  /** The last HTTP status, null when nothing answered. */
  status: number | null
  attempts: number
  error?: string
}

export async function checkHealth(
  url: string,
  options: { attempts?: number; delayMs?: number; timeoutMs?: number } = {},
): Promise<HealthResult> {
  const attempts = options.attempts ?? 5
  let status: number | null = null
  let error: string | undefined
  for (let i = 1; i <= attempts; i++) {
    try {
      const r = await fetch(url, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        headers: { 'cache-control': 'no-cache' },
      })
      await r.body?.cancel().catch(() => {})
      status = r.status
      error = undefined
      if (r.ok) return { url, healthy: true, status, attempts: i }
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause
      error = cause?.code ?? (e as Error).message
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, options.delayMs ?? 500))
  }
  return { url, healthy: false, status, attempts, ...(error ? { error } : {}) }
}
