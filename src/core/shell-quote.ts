/**
 * Hints name commands to run next, with real ids filled in. An id may contain spaces
 * (`Stage 2.1`) or shell characters, so every argument a hint prints goes through here: the
 * printed command then runs exactly as shown in sh, bash, zsh and fish.
 */
const PLAIN = /^[A-Za-z0-9._/:=@%+,-]+$/

export function quoteArg(arg: string): string {
  if (PLAIN.test(arg)) return arg
  if (!/["$`\\!]/.test(arg)) return `"${arg}"`
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

/** `cpoCommand('stage', 'start', 'Stage 2.1')` → `cpo stage start "Stage 2.1"`. */
export function cpoCommand(...args: string[]): string {
  return ['cpo', ...args.map(quoteArg)].join(' ')
}
