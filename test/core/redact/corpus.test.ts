import { describe, expect, it } from 'vitest'
import { classify, REDACTED, redactEnv } from '../../../src/core/redact/index.js'
import { envLine, secretCorpus } from './synthetic.js'

const corpus = secretCorpus()

describe('secret corpus: real formats, synthetic values', () => {
  it('has enough distinct formats to mean something', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(45)
    expect(new Set(corpus.map((s) => s.id)).size).toBe(corpus.length)
  })

  describe.each(corpus)('$id', (sample) => {
    it.each([sample.name, 'VALUE_1', 'NOTES'])('is never kept under %s', (name) => {
      const { text, report } = redactEnv(envLine(name, sample.value))
      expect(text).not.toContain(sample.secret)
      expect(text).toContain(REDACTED)
      expect(text.startsWith(`${name}=`)).toBe(true)
      expect(report).toHaveLength(1)
      expect(report[0]?.key).toBe(name)
      expect(report[0]?.action).not.toBe('kept')
      expect(JSON.stringify(report)).not.toContain(sample.secret)
    })

    it('is never kept when commented out or pasted into a comment', () => {
      const commented = envLine(sample.name, sample.value).replace(/^/gm, '# ').slice(0, -2)
      const file = `${commented}# old value: ${sample.value.split('\n')[0]}\n`
      const { text, report } = redactEnv(file)
      for (const line of sample.secret.split('\n')) {
        if (line.length >= 16) expect(text).not.toContain(line)
      }
      expect(report.length).toBeGreaterThanOrEqual(1)
      expect(report.every((r) => r.action !== 'kept' && r.source === 'comment')).toBe(true)
      expect(JSON.stringify(report)).not.toContain(sample.secret)
    })
  })

  it('a file holding the whole corpus keeps none of it and reports every variable', () => {
    const file = corpus.map((s) => envLine(s.name, s.value)).join('')
    const { text, report, malformed } = redactEnv(file)
    for (const sample of corpus) expect(text).not.toContain(sample.secret)
    expect(report.map((r) => r.key)).toEqual(corpus.map((s) => s.name))
    expect(report.filter((r) => r.action === 'kept')).toEqual([])
    expect(malformed).toEqual([])
    const json = JSON.stringify(report)
    for (const sample of corpus) expect(json).not.toContain(sample.secret)
  })

  it('names the format when the value gives it away', () => {
    const reasons = Object.fromEntries(
      corpus.map((s) => [s.id, classify('VALUE_1', s.value).reason]),
    )
    expect(reasons).toEqual({
      'aws-access-key-id': 'format:aws-access-key-id',
      'aws-secret-access-key': 'format:aws-secret-access-key',
      'github-pat-classic': 'format:github-token',
      'github-oauth': 'format:github-token',
      'github-fine-grained': 'format:github-fine-grained-pat',
      'gitlab-pat': 'format:gitlab-token',
      'slack-bot-token': 'format:slack-token',
      'slack-webhook': 'format:slack-webhook',
      'stripe-live': 'format:stripe-secret-key',
      'stripe-restricted': 'format:stripe-secret-key',
      'stripe-test': 'format:stripe-secret-key',
      'openai-project': 'format:openai-api-key',
      'openai-legacy': 'format:openai-api-key',
      anthropic: 'format:anthropic-api-key',
      npm: 'format:npm-token',
      'google-api-key': 'format:google-api-key',
      'google-oauth-secret': 'format:google-oauth-client-secret',
      sendgrid: 'format:sendgrid-api-key',
      'twilio-api-key': 'format:twilio-api-key',
      'twilio-account-sid': 'format:twilio-account-sid',
      mailgun: 'format:mailgun-api-key',
      mailchimp: 'format:mailchimp-api-key',
      shopify: 'format:shopify-token',
      digitalocean: 'format:digitalocean-token',
      'heroku-v2': 'format:heroku-api-key',
      vercel: 'format:vercel-token',
      cloudflare: 'format:cloudflare-api-token',
      doppler: 'format:doppler-token',
      linear: 'format:linear-api-key',
      vault: 'format:vault-token',
      pypi: 'format:pypi-token',
      'discord-bot': 'format:discord-bot-token',
      'telegram-bot': 'format:telegram-bot-token',
      'sentry-dsn': 'format:sentry-dsn',
      'supabase-service-role': 'jwt',
      jwt: 'jwt',
      'pem-rsa': 'pem',
      'pem-openssh': 'pem',
      huggingface: 'format:huggingface-token',
      age: 'format:age-secret-key',
      'stripe-webhook': 'format:stripe-webhook-secret',
      'hex-64': 'entropy',
      'base64-32-bytes': 'entropy',
      'laravel-app-key': 'entropy',
      datadog: 'entropy',
      django: 'entropy',
      'database-url-password': 'url-password',
      'azure-storage': 'kv-secret',
    })
  })
})

describe('secrets no format can recognise', () => {
  // A Heroku (classic) or Postmark key is a bare UUID: indistinguishable from a request id, so
  // only its name can give it away.
  const uuid = '3f2b8c1e-9d4a-4e7b-8f6c-2a1d0e9b7c54'

  it.each([
    ['HEROKU_API_KEY', 'name:API_KEY'],
    ['POSTMARK_SERVER_TOKEN', 'name:TOKEN'],
    ['VAULT_SECRET_ID', 'name:SECRET'],
  ])('a UUID under %s is redacted (%s)', (name, reason) => {
    const { text, report } = redactEnv(`${name}=${uuid}\n`)
    expect(text).toBe(`${name}=${REDACTED}\n`)
    expect(report).toEqual([{ key: name, line: 1, action: 'redacted', reason, source: 'value' }])
  })

  it.each([
    ['DB_PASSWORD', 'hunter2', 'name:PASSWORD'],
    ['SMTP_PASS', 'Tr0ub4dor&3', 'name:PASS'],
    ['PGPASSWORD', 'postgres', 'name:PASSWORD'],
    ['ADMIN_PIN_PWD', '4821', 'name:PWD'],
    ['SESSION_SECRET', 'keyboard cat', 'name:SECRET'],
    ['BASIC_AUTH', 'admin:admin', 'name:AUTH'],
    ['apiKey', 'abc123', 'name:API_KEY'],
    ['clientSecret', 'shh', 'name:SECRET'],
    ['STRIPE_KEY', 'abc', 'name:KEY'],
    ['AUTH_HEADER', 'Bearer abc.def', 'name:AUTH'],
    ['SENTRY_DSN', 'https://abc@sentry.example.com/2', 'name:DSN'],
    ['WEBHOOK_URL', 'https://example.com/hooks/incoming', 'name:WEBHOOK'],
    ['WALLET_MNEMONIC', 'legal winner thank year wave sausage', 'name:MNEMONIC'],
    ['DB_PASSWORD', '123456', 'name:PASSWORD'],
    ['DB_PW', 'hunter2', 'name:PW'],
    ['SIM_PIN', '4821', 'name:PIN'],
    ['HTPASSWD', 'admin:$apr1$x', 'name:PASSWD'],
    ['UPSTREAM_AUTHORIZATION', 'Basic dXNlcjpwYXNz', 'format:bearer-credential'],
    ['UPSTREAM', 'Basic dXNlcjpwYXNz', 'format:bearer-credential'],
  ])('short or weak secrets are redacted by name: %s', (name, value, reason) => {
    expect(classify(name, value)).toEqual({ redact: true, reason })
  })
})
