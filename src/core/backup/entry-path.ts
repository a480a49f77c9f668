/**
 * Why an archive entry name is unsafe to extract, or undefined when it is fine. Names are
 * relative, `/`-separated, and never climb: `..`, absolute paths, drive letters, backslashes and
 * control characters are all refused before anything touches the disk.
 */
export function entryPathProblem(name: string): string | undefined {
  if (name === '') return 'empty name'
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control character in name'
  if (name.includes('\\')) return 'backslash in name'
  if (name.startsWith('/')) return 'absolute path'
  if (/^[a-zA-Z]:/.test(name)) return 'drive-letter path'
  const parts = name.replace(/\/$/, '').split('/')
  if (parts.some((p) => p === '..')) return 'path escapes the target (..)'
  if (parts.some((p) => p === '' || p === '.')) return 'empty or "." path segment'
  return undefined
}
