/**
 * The words names are judged by (upper case, after splitting a name into words). Kept apart from
 * the logic in names.ts so that adding a word is a one-word change.
 */

const words = (list: string): ReadonlySet<string> => new Set(list.trim().split(/\s+/))

// Any of these makes a value secret. CERT is not here: a certificate is public, and a key
// stored next to it is caught by KEY (`TLS_KEY`) or by its PEM header.
export const SECRET_WORDS = words(`
  TOKEN TOKENS SECRET SECRETS PASSWORD PASSWORDS PASSWD PASS PWD PW PSW PASSPHRASE PASSCODE PIN PAT
  APIKEY APIKEYS ACCESSKEY SECRETKEY PRIVATEKEY PRIVKEY PRIVATE
  CREDENTIAL CREDENTIALS CRED CREDS AUTH AUTHORIZATION BEARER COOKIE COOKIES SESSION
  SALT PEPPER SIGNING SIGNATURE SIG JWT HMAC OTP TOTP MNEMONIC SEED
`)

// Glued names such as PGPASSWORD, GITHUBTOKEN or CLIENTSECRET end with one of these.
export const SECRET_SUFFIXES: readonly string[] = [
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'TOKEN',
  'SECRET',
  'APIKEY',
]

// Values where only the password may be masked, the rest showing where the service lives.
export const CONNECTION_WORDS = words('DSN CONNSTR CONNECTIONSTRING')

// Webhook URLs carry their credential in the path: the whole URL is the secret.
export const WEBHOOK_WORDS = words('WEBHOOK WEBHOOKS')

// KEY is a secret when one of these comes right before it, even mid-name (ACCESS_KEY_ID).
export const KEY_QUALIFIERS = words(`
  PRIVATE SECRET ACCESS API ENCRYPTION ENCRYPT DECRYPTION SIGNING SIGN MASTER APP SERVICE
  ACCOUNT CLIENT LICENSE LICENCE SSH TLS SSL GPG PGP HMAC JWT SESSION CRYPTO CIPHER AES RSA
  DEPLOY ADMIN ROOT SERVER SHARED AUTH WRITE STORAGE SUBSCRIPTION INGEST INGESTION WRAPPING
  KMS VAULT
`)

// KEY as the last word is a secret (STRIPE_KEY, APP_KEY) unless it follows one of these.
export const KEY_NOT_SECRET = words(`
  PUBLIC PUBLISHABLE PUB SORT PARTITION CACHE IDEMPOTENCY PRIMARY FOREIGN SHORTCUT HOT ROUTING
  SHARD DEDUP DEDUPLICATION LOCK OBJECT
`)

// Names of digests that are identifiers, not secrets (GIT_SHA, BUILD_COMMIT …).
export const DIGEST_WORDS = words('SHA COMMIT REVISION REV CHECKSUM DIGEST HASH ETAG')

// A count, size or duration: SESSION_TIMEOUT_SECONDS, MAX_TOKENS, PASSWORD_MIN_LENGTH.
export const NUMBER_WORDS = words(`
  TIMEOUT TTL EXPIRY EXPIRE EXPIRES EXPIRATION EXP AGE LIFETIME DURATION SECONDS SECS SEC
  MINUTES MINUTE MINS HOURS HOUR DAYS DAY MS MILLIS LENGTH LEN SIZE COUNT LIMIT MAX MIN
  RETRIES RETRY ATTEMPTS ROUNDS COST INTERVAL DELAY WINDOW PERIOD THRESHOLD PORT VERSION
  LEEWAY SKEW CAPACITY QUOTA RATE PER BITS BYTES ITERATIONS WORKERS POOL CONCURRENCY
`)

// Last word of a one-word setting: SESSION_DRIVER=redis, JWT_ALGORITHM=RS256.
export const ENUM_WORDS = words(`
  DRIVER PROVIDER PROVIDERS STORE TYPE KIND MODE STRATEGY ALGORITHM ALGORITHMS ALG ALGO
  HASHER SCHEME FORMAT SAMESITE SITE BACKEND ADAPTER ENGINE METHOD MECHANISM POLICY LEVEL
  ENCODING CIPHER VERSION
`)

/** What a locator word says its value is. */
export type LocatorKind = 'path' | 'url' | 'host' | 'port' | 'word'

const locators = (kind: LocatorKind, list: string) =>
  [...words(list)].map((w) => [w, kind] as const)

// Last word of a name whose value locates or names something: TOKEN_URL, PASSWORD_FILE.
export const LOCATOR_WORDS: ReadonlyMap<string, LocatorKind> = new Map([
  ...locators('path', 'PATH PATHS FILE FILES FILENAME FILEPATH DIR DIRECTORY FOLDER LOCATION'),
  ...locators('url', 'URL URLS URI URIS ENDPOINT ENDPOINTS CALLBACK REDIRECT ORIGIN ISSUER'),
  ...locators('url', 'AUDIENCE ROUTE'),
  ...locators('host', 'HOST HOSTS HOSTNAME DOMAIN DOMAINS SERVER'),
  ...locators('port', 'PORT'),
  ...locators('word', 'USER USERNAME USERS EMAIL NAME HEADER PREFIX PARAM FIELD REALM SCOPE'),
  ...locators('word', 'SCOPES REGION SOURCE'),
])
