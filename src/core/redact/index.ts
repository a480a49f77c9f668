export {
  type BlankEntry,
  type CommentEntry,
  decodeBody,
  type EnvEntry,
  type OtherEntry,
  parseDotenv,
  type Quote,
  renderDotenv,
  renderVar,
  type VarEntry,
} from './dotenv.js'
export { looksRandom, shannonEntropy } from './entropy.js'
export { findFormats, TOKEN_FORMATS, type TokenFormat } from './formats.js'
export { analyseName, type NameSignal, splitName } from './names.js'
export { scrubText } from './scrub.js'
export { classify, maskCredentials, type Verdict } from './secrets.js'
export {
  ENV_SOURCES,
  type EnvTemplate,
  envTemplateFrom,
  REDACTED,
  type RedactedEnv,
  type RedactionAction,
  type RedactionReportEntry,
  redactEnv,
} from './template.js'
