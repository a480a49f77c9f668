import type { GlobalOptions } from '../options.js'

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (s < 90) return `${s}s ago`
  if (s < 90 * 60) return `${Math.round(s / 60)}m ago`
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h ago`
  return `${Math.round(s / 86400)}d ago`
}

/** Progress lines go to stderr, and only when a person is watching a terminal. */
export function progressTo(g: GlobalOptions): { onProgress?: (message: string) => void } {
  if (g.json || process.stderr.isTTY !== true) return {}
  return { onProgress: (m) => process.stderr.write(`cpo: ${m}\n`) }
}
