/**
 * Ids sort by time as plain strings (`20261125-170024-123-3fa2`: date, time, milliseconds), so
 * listings need no parsing and a person can tell their age at a glance. The random tail keeps
 * ids taken in the same millisecond apart.
 */
export function newId(now: Date, random: string): string {
  const iso = now.toISOString() // 2026-11-25T17:00:24.123Z
  const date = iso.slice(0, 10).replaceAll('-', '')
  const time = iso.slice(11, 19).replaceAll(':', '')
  return `${date}-${time}-${iso.slice(20, 23)}-${random}`
}

const ID_PATTERN = /^[0-9]{8}-[0-9]{6}-[0-9]{3}-[0-9a-f]{4,}$/
const PREFIX_PATTERN = /^[0-9a-f-]{1,40}$/

export const isId = (s: string): boolean => ID_PATTERN.test(s)

/** An id or a prefix a user typed; anything else (paths, shell text) is rejected before use. */
export const isIdPrefix = (s: string): boolean => PREFIX_PATTERN.test(s)
