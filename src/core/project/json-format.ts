/**
 * How a JSON file is laid out, so that a rewrite looks like the tool that wrote it did it.
 * Only the layout JSON.stringify can produce is reproduced; anything else is normalised to it.
 */
export interface JsonFormat {
  /** One level of indentation: spaces or tabs. */
  readonly indent: string
  readonly lineEnding: '\n' | '\r\n'
  readonly finalNewline: boolean
  /** A UTF-8 byte order mark before the JSON text (JSON.parse rejects it, editors add it). */
  readonly bom: boolean
}

export const DEFAULT_JSON_FORMAT: JsonFormat = {
  indent: '  ',
  lineEnding: '\n',
  finalNewline: true,
  bom: false,
}

export const BOM = '\uFEFF'

export const stripBom = (text: string): string => (text.startsWith(BOM) ? text.slice(1) : text)

export const detectJsonFormat = (text: string): JsonFormat => {
  // The first indented line is one level deep in JSON.stringify output, so it shows one unit.
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? DEFAULT_JSON_FORMAT.indent
  const firstNewline = text.indexOf('\n')
  return {
    indent,
    lineEnding: firstNewline > 0 && text[firstNewline - 1] === '\r' ? '\r\n' : '\n',
    finalNewline: text.endsWith('\n'),
    bom: text.startsWith(BOM),
  }
}

export const renderJson = (value: unknown, format: JsonFormat): string => {
  const body = JSON.stringify(value, null, format.indent)
  // JSON.stringify escapes line breaks inside strings, so every raw "\n" is a layout line break.
  const lines = format.lineEnding === '\n' ? body : body.replaceAll('\n', '\r\n')
  return `${format.bom ? BOM : ''}${lines}${format.finalNewline ? format.lineEnding : ''}`
}
