import { describe, expect, it } from 'vitest'
import { classify, redactEnv } from '../../../src/core/redact/index.js'

/**
 * Look-alikes a line filter on KEY|SECRET|PASSWORD|TOKEN|AUTH gets wrong. Each keeps its value,
 * for the reason given. `harmless-name`: no secret word and no secret signal in the value;
 * `setting`/`locator`: a secret word, but the rest of the name says what the value is and the
 * value has that shape; `digest`: a hex digest under a SHA/COMMIT-like name.
 */
const HARMLESS: Array<[name: string, value: string, reason: string]> = [
  // Letters of a secret word inside another word: names are split into words.
  ['KEYCLOAK_URL', 'https://sso.example.com/realms/acme', 'harmless-name'],
  ['KEYBOARD_LAYOUT', 'us-intl', 'harmless-name'],
  ['PASSENGER_COUNT', '4', 'harmless-name'],
  ['AUTHOR_NAME', 'Ada Lovelace', 'harmless-name'],
  ['AUTHOR', 'ada@example.com', 'harmless-name'],
  ['TOKENIZER_MODEL', 'sentence-transformers/all-MiniLM-L6-v2', 'harmless-name'],
  ['BYPASS_CACHE', 'false', 'harmless-name'],
  // KEY only counts as a secret at the end of a name or after a word like API/ACCESS/PRIVATE.
  ['PUBLIC_KEY_PATH', './keys/public.pem', 'harmless-name'],
  ['CACHE_KEY_PREFIX', 'myapp:v2:', 'harmless-name'],
  ['STRIPE_PUBLISHABLE_KEY', 'pk_test_placeholder', 'harmless-name'],
  ['SORT_KEY', 'createdAt', 'harmless-name'],
  // Everyday configuration.
  ['NODE_ENV', 'production', 'harmless-name'],
  ['PORT', '3000', 'harmless-name'],
  ['LOG_LEVEL', 'debug', 'harmless-name'],
  ['HOST', '0.0.0.0', 'harmless-name'],
  ['TZ', 'Europe/Paris', 'harmless-name'],
  ['DEBUG', 'app:*,-app:verbose', 'harmless-name'],
  ['NODE_OPTIONS', '--max-old-space-size=4096', 'harmless-name'],
  ['FEATURE_FLAGS', 'search,checkout,beta-ui', 'harmless-name'],
  ['SENTRY_ENVIRONMENT', 'staging', 'harmless-name'],
  ['AWS_REGION', 'eu-west-1', 'harmless-name'],
  ['S3_BUCKET', 'acme-uploads-prod-eu-west-1', 'harmless-name'],
  // Identifiers, versions, paths and URLs without credentials.
  ['REQUEST_ID', '123e4567-e89b-42d3-a456-426614174000', 'harmless-name'],
  ['APP_VERSION', '1.2.3-beta.4', 'harmless-name'],
  ['IMAGE_TAG', 'v2.14.0-alpine3.20', 'harmless-name'],
  ['UPLOAD_DIR', '/var/lib/acme/uploads/originals', 'harmless-name'],
  ['API_BASE_URL', 'https://api.example.com/v1', 'harmless-name'],
  ['DATABASE_URL', 'postgres://localhost:5432/acme_development', 'harmless-name'],
  ['REDIS_HOST', 'cache-01.internal.example.com', 'harmless-name'],
  ['NEXTAUTH_URL', 'http://localhost:3000', 'harmless-name'],
  ['VITE_DEV_URL', 'http://localhost:5173/@vite/client', 'harmless-name'],
  ['CORS_ORIGINS', 'https://a.example.com,https://b.example.com', 'harmless-name'],
  ['SMTP_USER', 'mailer@example.com', 'harmless-name'],
  ['GOOGLE_CLIENT_ID_HINT', 'see the team vault, entry acme-dev', 'harmless-name'],
  [
    'MONGO_URL',
    'mongodb://db0.example.com:27017/app?authSource=admin&retryWrites=true',
    'harmless-name',
  ],
  // Digests are identifiers under a digest name (but redacted elsewhere: see secrets.test.ts).
  ['GIT_SHA', '9fceb02d0ae598e95dc970b74767f19372d61af8', 'digest'],
  ['BUILD_COMMIT', '9fceb02', 'digest'],
  // A secret word, but the name and the value say it is a setting or a locator.
  ['SESSION_TIMEOUT_SECONDS', '3600', 'setting'],
  ['MAX_TOKENS', '4096', 'setting'],
  ['TOKENS_PER_MINUTE', '600', 'setting'],
  ['PASSWORD_MIN_LENGTH', '12', 'setting'],
  ['JWT_EXPIRES_IN', '7d', 'setting'],
  ['SALT_ROUNDS', '10', 'setting'],
  ['COOKIE_SECURE', 'true', 'setting'],
  ['ENABLE_AUTH', 'yes', 'setting'],
  ['SESSION_DRIVER', 'redis', 'setting'],
  ['SESSION_SAME_SITE', 'lax', 'setting'],
  ['JWT_ALGORITHM', 'RS256', 'setting'],
  ['AUTH_PROVIDER', 'github', 'setting'],
  ['TOKEN_URL', 'https://oauth2.example.com/token', 'locator'],
  ['AUTH0_DOMAIN', 'acme-tenant.eu.auth0.com', 'locator'],
  ['OAUTH_CALLBACK_URL', 'https://app.example.com/auth/callback', 'harmless-name'],
  ['PASSWORD_RESET_URL', 'https://app.example.com/reset', 'locator'],
  ['SESSION_COOKIE_NAME', 'acme_session', 'locator'],
  ['SESSION_COOKIE_DOMAIN', '.example.com', 'locator'],
  ['AUTH_HEADER', 'Authorization', 'locator'],
  ['POSTGRES_PASSWORD_FILE', '/run/secrets/postgres_password', 'locator'],
  ['PRIVATE_KEY_PATH', '~/.ssh/id_ed25519', 'locator'],
  ['GOOGLE_APPLICATION_CREDENTIALS', '/secrets/gcp/service-account.json', 'locator'],
  ['SSL_KEY', './certs/server.key', 'locator'],
  ['PWD', '/home/ada/projects/acme', 'locator'],
  // Placeholders under secret names.
  ['API_KEY', 'your-api-key-here', 'placeholder'],
  ['DB_PASSWORD', 'changeme', 'placeholder'],
  ['GITHUB_TOKEN', '<your token>', 'placeholder'],
  ['AWS_SECRET_ACCESS_KEY', `\${AWS_SECRET}`, 'placeholder'],
  ['STRIPE_SECRET_KEY', 'xxxxxxxx', 'placeholder'],
  ['JWT_SECRET', '', 'empty'],
]

describe('harmless look-alikes keep their value', () => {
  it('the corpus is large enough', () => {
    expect(HARMLESS.length).toBeGreaterThanOrEqual(30)
  })

  it.each(HARMLESS)('%s=%s is kept (%s)', (name, value, reason) => {
    expect(classify(name, value)).toEqual({ redact: false, reason })
    const line = /[\s#"']/.test(value) ? `${name}='${value}'\n` : `${name}=${value}\n`
    const { text, report } = redactEnv(line)
    expect(text).toBe(line)
    expect(report).toEqual([{ key: name, line: 1, action: 'kept', reason, source: 'value' }])
  })

  it('a file of them all renders byte for byte', () => {
    const file = HARMLESS.map(([name, value]) => `${name}="${value}"`).join('\r\n')
    const { text, report, malformed } = redactEnv(file)
    expect(text).toBe(file)
    expect(report.map((r) => r.action)).toEqual(HARMLESS.map(() => 'kept'))
    expect(malformed).toEqual([])
  })
})
