/**
 * What a variable's NAME says about its value. Names are judged by whole words, never by
 * substrings: `KEYCLOAK_URL`, `PASSENGER_COUNT`, `AUTHOR_NAME` and `TOKENIZER_MODEL` hold the
 * letters of KEY, PASS, AUTH and TOKEN but none of those words.
 */

export interface NameSignal {
  /** Upper-case words of the name. */
  words: string[]
  /** Label of the last secret-like word (`TOKEN`, `API_KEY`, `DSN` …), or null. */
  label: string | null
  /**
   * `connection`: a DSN or connection string, where only the password may be masked.
   * `webhook`: a webhook, whose URL is itself the credential. `secret`: any other secret word.
   */
  kind: 'secret' | 'connection' | 'webhook' | null
  /** Words after the last secret word, digits dropped (`PASSWORD_FILE` → [`FILE`]). */
  tail: string[]
}

const SECRET_WORDS = new Set([
  'TOKEN',
  'TOKENS',
  'SECRET',
  'SECRETS',
  'PASSWORD',
  'PASSWORDS',
  'PASSWD',
  'PASS',
  'PWD',
  'PASSPHRASE',
  'PASSCODE',
  'PAT',
  'APIKEY',
  'APIKEYS',
  'ACCESSKEY',
  'SECRETKEY',
  'PRIVATEKEY',
  'PRIVKEY',
  'PRIVATE',
  'CREDENTIAL',
  'CREDENTIALS',
  'CRED',
  'CREDS',
  'AUTH',
  'AUTHORIZATION',
  'BEARER',
  'COOKIE',
  'COOKIES',
  'SESSION',
  'SALT',
  'PEPPER',
  'SIGNING',
  'SIGNATURE',
  'SIG',
  'JWT',
  'HMAC',
  'OTP',
  'TOTP',
  'MNEMONIC',
  'SEED',
])

// Glued names such as PGPASSWORD, GITHUBTOKEN or CLIENTSECRET end with one of these.
const SECRET_SUFFIXES = ['PASSWORD', 'PASSWD', 'PASSPHRASE', 'TOKEN', 'SECRET', 'APIKEY']

const CONNECTION_WORDS = new Set(['DSN', 'CONNSTR', 'CONNECTIONSTRING'])
const WEBHOOK_WORDS = new Set(['WEBHOOK', 'WEBHOOKS'])

// KEY is a secret when one of these comes right before it, even mid-name (ACCESS_KEY_ID).
const KEY_QUALIFIERS = new Set([
  'PRIVATE',
  'SECRET',
  'ACCESS',
  'API',
  'ENCRYPTION',
  'ENCRYPT',
  'DECRYPTION',
  'SIGNING',
  'SIGN',
  'MASTER',
  'APP',
  'SERVICE',
  'ACCOUNT',
  'CLIENT',
  'LICENSE',
  'LICENCE',
  'SSH',
  'TLS',
  'SSL',
  'GPG',
  'PGP',
  'HMAC',
  'JWT',
  'SESSION',
  'CRYPTO',
  'CIPHER',
  'AES',
  'RSA',
  'DEPLOY',
  'ADMIN',
  'ROOT',
  'SERVER',
  'SHARED',
  'AUTH',
  'WRITE',
  'STORAGE',
  'SUBSCRIPTION',
  'INGEST',
  'INGESTION',
  'WRAPPING',
  'KMS',
  'VAULT',
])

// KEY as the last word is a secret (STRIPE_KEY, APP_KEY) unless it follows one of these.
const KEY_NOT_SECRET = new Set([
  'PUBLIC',
  'PUBLISHABLE',
  'PUB',
  'SORT',
  'PARTITION',
  'CACHE',
  'IDEMPOTENCY',
  'PRIMARY',
  'FOREIGN',
  'SHORTCUT',
  'HOT',
  'ROUTING',
  'SHARD',
  'DEDUP',
  'DEDUPLICATION',
  'LOCK',
  'OBJECT',
])

// Names of digests that are identifiers, not secrets (GIT_SHA, BUILD_COMMIT …).
const DIGEST_WORDS = new Set([
  'SHA',
  'COMMIT',
  'REVISION',
  'REV',
  'CHECKSUM',
  'DIGEST',
  'HASH',
  'ETAG',
])

/**
 * Splits a name into upper-case words on `_`, `-`, `.`, blanks, camelCase and letter/digit
 * boundaries: `dbPassword2` → DB, PASSWORD, 2; `APIKey` → API, KEY.
 */
export function splitName(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .replace(/(\d)([A-Za-z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter((w) => w !== '')
    .map((w) => w.toUpperCase())
}

export function analyseName(name: string): NameSignal {
  const words = splitName(name)
  const letters = words.filter((w) => !/^\d+$/.test(w))
  let label: string | null = null
  let at = -1
  let kind: NameSignal['kind'] = null
  for (let i = 0; i < letters.length; i++) {
    const found = secretLabel(letters, i)
    if (found === null) continue
    label = found
    at = i
    if (CONNECTION_WORDS.has(found) || found === 'CONNECTION_STRING') kind = 'connection'
    else if (WEBHOOK_WORDS.has(found) && kind !== 'connection') kind = 'webhook'
    else if (kind === null) kind = 'secret'
  }
  return { words, label, kind, tail: at < 0 ? [] : letters.slice(at + 1) }
}

export function isDigestName(signal: NameSignal): boolean {
  return signal.words.some((w) => DIGEST_WORDS.has(w))
}

function secretLabel(words: string[], i: number): string | null {
  const word = words[i] ?? ''
  const prev = words[i - 1]
  if (CONNECTION_WORDS.has(word) || WEBHOOK_WORDS.has(word)) return word
  if ((word === 'STRING' || word === 'STR') && (prev === 'CONNECTION' || prev === 'CONN')) {
    return 'CONNECTION_STRING'
  }
  if (SECRET_WORDS.has(word)) return word
  if (word === 'KEY' || word === 'KEYS') {
    if (prev !== undefined && KEY_QUALIFIERS.has(prev)) return `${prev}_KEY`
    const last = i === words.length - 1
    if (last && (prev === undefined || !KEY_NOT_SECRET.has(prev))) return 'KEY'
    return null
  }
  const suffix = SECRET_SUFFIXES.find((s) => word.length > s.length && word.endsWith(s))
  return suffix ?? null
}

// A count, size or duration: SESSION_TIMEOUT_SECONDS, MAX_TOKENS, PASSWORD_MIN_LENGTH.
const NUMBER_WORDS = new Set([
  'TIMEOUT',
  'TTL',
  'EXPIRY',
  'EXPIRE',
  'EXPIRES',
  'EXPIRATION',
  'EXP',
  'AGE',
  'LIFETIME',
  'DURATION',
  'SECONDS',
  'SECS',
  'SEC',
  'MINUTES',
  'MINUTE',
  'MINS',
  'HOURS',
  'HOUR',
  'DAYS',
  'DAY',
  'MS',
  'MILLIS',
  'LENGTH',
  'LEN',
  'SIZE',
  'COUNT',
  'LIMIT',
  'MAX',
  'MIN',
  'RETRIES',
  'RETRY',
  'ATTEMPTS',
  'ROUNDS',
  'COST',
  'INTERVAL',
  'DELAY',
  'WINDOW',
  'PERIOD',
  'THRESHOLD',
  'PORT',
  'VERSION',
  'LEEWAY',
  'SKEW',
  'CAPACITY',
  'QUOTA',
  'RATE',
  'PER',
  'BITS',
  'BYTES',
  'ITERATIONS',
  'WORKERS',
  'POOL',
  'CONCURRENCY',
])

// Last word of a one-word setting: SESSION_DRIVER=redis, JWT_ALGORITHM=RS256.
const ENUM_WORDS = new Set([
  'DRIVER',
  'PROVIDER',
  'PROVIDERS',
  'STORE',
  'TYPE',
  'KIND',
  'MODE',
  'STRATEGY',
  'ALGORITHM',
  'ALGORITHMS',
  'ALG',
  'ALGO',
  'HASHER',
  'SCHEME',
  'FORMAT',
  'SAMESITE',
  'SITE',
  'BACKEND',
  'ADAPTER',
  'ENGINE',
  'METHOD',
  'MECHANISM',
  'POLICY',
  'LEVEL',
  'ENCODING',
  'CIPHER',
  'VERSION',
])

// Last word of a name whose value locates or names something: TOKEN_URL, PASSWORD_FILE.
const DESCRIPTOR_WORDS = new Set([
  'URL',
  'URLS',
  'URI',
  'URIS',
  'HOST',
  'HOSTS',
  'HOSTNAME',
  'DOMAIN',
  'DOMAINS',
  'ENDPOINT',
  'ENDPOINTS',
  'SERVER',
  'ISSUER',
  'AUDIENCE',
  'PATH',
  'PATHS',
  'FILE',
  'FILES',
  'FILENAME',
  'FILEPATH',
  'DIR',
  'DIRECTORY',
  'FOLDER',
  'LOCATION',
  'PORT',
  'REGION',
  'USER',
  'USERNAME',
  'USERS',
  'EMAIL',
  'HEADER',
  'NAME',
  'PREFIX',
  'PARAM',
  'FIELD',
  'REALM',
  'SCOPE',
  'SCOPES',
  'ORIGIN',
  'CALLBACK',
  'REDIRECT',
  'ROUTE',
  'SOURCE',
])

export interface NameRole {
  /** The name announces a number (a timeout, a length, a count …). */
  numeric: boolean
  /** The words after the secret word end in a one-word setting (`_DRIVER`, `_ALGORITHM`). */
  enumTail: boolean
  /** The words after the secret word end in a locator (`_URL`, `_FILE`, `_USER`). */
  descriptorTail: boolean
}

export function nameRole(signal: NameSignal): NameRole {
  const last = signal.tail[signal.tail.length - 1]
  return {
    numeric: signal.words.some((w) => NUMBER_WORDS.has(w)),
    enumTail: last !== undefined && ENUM_WORDS.has(last),
    descriptorTail: last !== undefined && DESCRIPTOR_WORDS.has(last),
  }
}
