/**
 * Makes `pg_dump -s -O -x` output deterministic so two schemas compare as text: comment lines,
 * `SET` and `set_config` lines and the `\restrict KEY` / `\unrestrict KEY` lines recent pg_dump
 * releases add with a random key are dropped, runs of blank lines collapse to one.
 */
export function normalizePostgresSchema(dump: string): string {
  const out: string[] = []
  for (const line of dump.replace(/\r\n/g, '\n').split('\n')) {
    if (line.startsWith('--')) continue
    if (/^SET\s/i.test(line)) continue
    if (/^SELECT pg_catalog\.set_config\(/i.test(line)) continue
    if (/^\\(un)?restrict\b/.test(line)) continue
    if (line.trim() === '' && (out.length === 0 || out[out.length - 1] === '')) continue
    out.push(line.trimEnd())
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop()
  return out.length > 0 ? `${out.join('\n')}\n` : ''
}
