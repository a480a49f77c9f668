/** Posts one JSON message to a webhook; the answer's status says whether it was taken. */
export async function postJson(
  url: string,
  body: unknown,
  timeoutMs = 10_000,
): Promise<{ ok: boolean; status: number | null; error?: string }> {
  try {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
    return { ok: r.ok, status: r.status }
  } catch (e) {
    return { ok: false, status: null, error: e instanceof Error ? e.message : String(e) }
  }
}
