import { describe, expect, it } from 'vitest'
import {
  analyseName,
  classify,
  looksRandom,
  maskCredentials,
  REDACTED,
  shannonEntropy,
  splitName,
} from '../../../src/core/redact/index.js'
import { ALNUM, B64, B64URL, DIGITS, drawer, HEX, LOWER } from './synthetic.js'

const draw = drawer(42)

describe('names are judged by whole words', () => {
  it.each([
    ['DB_PASSWORD', ['DB', 'PASSWORD']],
    ['dbPassword2', ['DB', 'PASSWORD', '2']],
    ['APIKey', ['API', 'KEY']],
    ['spring.datasource.password', ['SPRING', 'DATASOURCE', 'PASSWORD']],
    ['my-api-token', ['MY', 'API', 'TOKEN']],
    ['AUTH0_DOMAIN', ['AUTH', '0', 'DOMAIN']],
  ])('splits %s', (name, words) => {
    expect(splitName(name)).toEqual(words)
  })

  it.each([
    ['KEYCLOAK_URL', null, null],
    ['PASSENGER_COUNT', null, null],
    ['AUTHOR_NAME', null, null],
    ['TOKENIZER_MODEL', null, null],
    ['PUBLIC_KEY_PATH', null, null],
    ['STRIPE_PUBLISHABLE_KEY', null, null],
    ['AWS_SECRET_ACCESS_KEY', 'ACCESS_KEY', 'secret'],
    ['AWS_ACCESS_KEY_ID', 'ACCESS_KEY', 'secret'],
    ['STRIPE_KEY', 'KEY', 'secret'],
    ['PGPASSWORD', 'PASSWORD', 'secret'],
    ['GITHUBTOKEN', 'TOKEN', 'secret'],
    ['AZURE_DEVOPS_PAT', 'PAT', 'secret'],
    ['SENTRY_DSN', 'DSN', 'connection'],
    ['DB_CONNECTION_STRING', 'CONNECTION_STRING', 'connection'],
    ['SLACK_WEBHOOK_URL', 'WEBHOOK', 'webhook'],
  ])('%s → label %s, kind %s', (name, label, kind) => {
    expect(analyseName(name)).toMatchObject({ label, kind })
  })

  it('records the words after the secret word', () => {
    expect(analyseName('POSTGRES_PASSWORD_FILE').tail).toEqual(['FILE'])
    expect(analyseName('SESSION_TIMEOUT_SECONDS').tail).toEqual(['TIMEOUT', 'SECONDS'])
    expect(analyseName('DB_PASSWORD').tail).toEqual([])
  })
})

describe('classify: the value can speak louder than the name', () => {
  const token = `ghp_${draw(ALNUM, 36)}`

  it('redacts a known token format under any name, harmless ones included', () => {
    for (const name of ['PUBLIC_KEY_PATH', 'NODE_ENV', 'SESSION_TIMEOUT_SECONDS', 'GIT_SHA']) {
      expect(classify(name, token)).toEqual({ redact: true, reason: 'format:github-token' })
    }
  })

  it('finds a token embedded in a URL or a list', () => {
    expect(classify('REPO_URL', `https://x-access-token:${token}@github.com/acme/app.git`)).toEqual(
      { redact: true, reason: 'format:github-token' },
    )
    expect(classify('TOKENS_CSV', `a,${token},b`).reason).toBe('format:github-token')
  })

  it('redacts an Authorization header value', () => {
    expect(classify('UPSTREAM_HEADERS', `Bearer ${draw(ALNUM, 40)}`)).toEqual({
      redact: true,
      reason: 'format:bearer-credential',
    })
  })

  it('keeps a hex digest only under a digest name', () => {
    const sha = draw(HEX, 40)
    expect(classify('GIT_SHA', sha)).toEqual({ redact: false, reason: 'digest' })
    expect(classify('CI_COMMIT_SHA', sha)).toEqual({ redact: false, reason: 'digest' })
    expect(classify('BUILD_ID', sha)).toEqual({ redact: true, reason: 'entropy' })
    expect(classify('GIT_SHA_TOKEN', sha)).toEqual({ redact: true, reason: 'name:TOKEN' })
  })

  it('only keeps placeholders that cannot be anyone’s password', () => {
    for (const value of [
      'changeme',
      '<api-key>',
      `\${OTHER}`,
      '$OTHER',
      'xxx',
      '***',
      'YOUR_TOKEN',
    ]) {
      expect(classify('API_TOKEN', value)).toEqual({ redact: false, reason: 'placeholder' })
    }
    for (const value of ['password', 'secret', 'test', 'postgres', `\${OTHER:-fallback}`, '0000']) {
      expect(classify('API_TOKEN', value)).toEqual({ redact: true, reason: 'name:TOKEN' })
    }
  })

  it('keeps numbers under a secret name only when the name announces a number', () => {
    expect(classify('TOKEN_TTL', '900')).toEqual({ redact: false, reason: 'setting' })
    expect(classify('TOKEN_TTL', 'abc')).toEqual({ redact: true, reason: 'name:TOKEN' })
    expect(classify('SIM_PIN_PASSWORD', '4821')).toEqual({ redact: true, reason: 'name:PASSWORD' })
  })

  it('keeps a locator after a secret word, but still checks it', () => {
    expect(classify('AUTH_URL', 'https://auth.example.com/login')).toEqual({
      redact: false,
      reason: 'locator',
    })
    expect(classify('AUTH_URL', 'https://u:pw@auth.example.com/login')).toEqual({
      redact: true,
      reason: 'url-password',
      masked: `https://u:${REDACTED}@auth.example.com/login`,
    })
    expect(classify('PASSWORD_FILE', 'hunter2')).toEqual({ redact: true, reason: 'name:PASSWORD' })
  })

  it('redacts a webhook URL whole: the URL is the credential', () => {
    expect(classify('DEPLOY_WEBHOOK', 'https://api.example.com/hooks/deploy/abc')).toEqual({
      redact: true,
      reason: 'name:WEBHOOK',
    })
    expect(classify('WEBHOOK_PATH', '/api/webhooks/stripe')).toEqual({
      redact: false,
      reason: 'locator',
    })
  })

  it('keeps the layout of a DSN only when its password can be cut out', () => {
    expect(classify('DATABASE_DSN', 'mysql://app:pw@db:3306/app')).toEqual({
      redact: true,
      reason: 'url-password',
      masked: `mysql://app:${REDACTED}@db:3306/app`,
    })
    expect(classify('DATABASE_DSN', 'mysql://db:3306/app')).toEqual({
      redact: true,
      reason: 'name:DSN',
    })
  })
})

describe('credentials inside a value: only the secret part is masked', () => {
  it.each([
    ['postgres://user:pass@host/db', `postgres://user:${REDACTED}@host/db`],
    ['redis://:pass@host:6379', `redis://:${REDACTED}@host:6379`],
    ['amqps://user:p%40ss@mq.example.com/vhost', `amqps://user:${REDACTED}@mq.example.com/vhost`],
    ['postgres://user:abc/def@host/db', `postgres://user:${REDACTED}@host/db`],
    [
      'mongodb://app:pw@db0:27017,db1:27017/app?replicaSet=rs0',
      `mongodb://app:${REDACTED}@db0:27017,db1:27017/app?replicaSet=rs0`,
    ],
    [
      'redis://:one@h1:6379,redis://:two@h2:6379',
      `redis://:${REDACTED}@h1:6379,redis://:${REDACTED}@h2:6379`,
    ],
    [
      'postgres://h/db?user=app&password=pw&sslmode=require',
      `postgres://h/db?user=app&password=${REDACTED}&sslmode=require`,
    ],
    [
      'https://files.example.com/a.tar?X-Amz-Credential=abc&X-Amz-Signature=def',
      `https://files.example.com/a.tar?X-Amz-Credential=${REDACTED}&X-Amz-Signature=${REDACTED}`,
    ],
    [
      'Server=db;Database=app;User Id=sa;Password=pw;Encrypt=true',
      `Server=db;Database=app;User Id=sa;Password=${REDACTED};Encrypt=true`,
    ],
    [
      'jdbc:sqlserver://db:1433;user=sa;password=pw',
      `jdbc:sqlserver://db:1433;user=sa;password=${REDACTED}`,
    ],
  ])('%s', (value, masked) => {
    expect(maskCredentials(value).text).toBe(masked)
  })

  it.each([
    'https://example.com/path',
    'http://localhost:5173/@vite/client',
    'https://registry.npmjs.org/@types/node',
    'postgres://user@host/db',
    `postgres://user:\${DB_PASSWORD}@host/db`,
    'mongodb://db/app?authSource=admin&authMechanism=SCRAM-SHA-256',
    'https://example.com/?next=/home&page=2',
  ])('leaves %s alone', (value) => {
    expect(maskCredentials(value)).toEqual({ text: value, reasons: [] })
  })
})

describe('entropy', () => {
  it('measures bits per character', () => {
    expect(shannonEntropy('')).toBe(0)
    expect(shannonEntropy('aaaa')).toBe(0)
    expect(shannonEntropy('abab')).toBe(1)
    expect(shannonEntropy('0123456789abcdef')).toBe(4)
  })

  it('flags every random token of 20 to 64 characters in base62, base64 and base64url', () => {
    const missed: string[] = []
    for (const alphabet of [ALNUM, B64, B64URL, LOWER + DIGITS]) {
      for (let length = 20; length <= 64; length++) {
        for (let i = 0; i < 20; i++) {
          const token = draw(alphabet, length)
          if (!looksRandom(token)) missed.push(token)
        }
      }
    }
    expect(missed).toEqual([])
  })

  it('flags random hex from 32 characters on', () => {
    const missed = Array.from({ length: 200 }, (_, i) => draw(HEX, 32 + (i % 33))).filter(
      (t) => !looksRandom(t),
    )
    expect(missed).toEqual([])
    expect(looksRandom('0'.repeat(40))).toBe(false)
  })

  it.each([
    '123e4567-e89b-42d3-a456-426614174000',
    'sentence-transformers/all-MiniLM-L6-v2',
    'acme-uploads-prod-eu-west-1',
    'usr/local/lib/node_modules/typescript',
    'myApplicationNameProduction',
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    '12345678901234567890123',
    'v2.14.0-alpine3.20-linux-amd64',
  ])('does not flag %s', (token) => {
    expect(looksRandom(token)).toBe(false)
  })
})
