/**
 * The parse function of the `dotenv` package (v16/v17, lib/main.js), reproduced as an oracle:
 * our layout-keeping parser must read the same key/value pairs. It returns the pairs in order
 * (dotenv folds them into an object, last one winning).
 */
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm

export function dotenvPairs(src: string): Array<[string, string]> {
  const lines = src.replace(/\r\n?/gm, '\n')
  const pairs: Array<[string, string]> = []
  LINE.lastIndex = 0
  for (let match = LINE.exec(lines); match !== null; match = LINE.exec(lines)) {
    const key = match[1] ?? ''
    let value = (match[2] ?? '').trim()
    const maybeQuote = value[0]
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, '$2')
    if (maybeQuote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r')
    pairs.push([key, value])
  }
  return pairs
}
