/**
 * Synthetic secrets in the real formats (prefixes, lengths, alphabets), drawn from a seeded
 * generator so every run sees the same values. Nothing here is a real key, and no token is
 * written out literally, so secret scanners have nothing to find in the test sources.
 */

export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
export const LOWER = 'abcdefghijklmnopqrstuvwxyz'
export const DIGITS = '0123456789'
export const ALNUM = UPPER + LOWER + DIGITS
export const HEX = '0123456789abcdef'
export const B64 = `${ALNUM}+/`
export const B64URL = `${ALNUM}-_`
const BASE32 = `${UPPER}234567`
const BECH32 = 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L'
const DJANGO = `${LOWER}${DIGITS}!@#$%^&*(-_=+)`

/** mulberry32: small, fast and deterministic. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function drawer(seed: number): (alphabet: string, length: number) => string {
  const next = seeded(seed)
  return (alphabet, length) => {
    let out = ''
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)]
    return out
  }
}

export interface SecretSample {
  id: string
  /** A name a human would recognise as a secret's. */
  name: string
  value: string
  /** The part that must never survive (the whole value unless only a part is secret). */
  secret: string
}

const b64url = (text: string) => Buffer.from(text).toString('base64url')

export function secretCorpus(seed = 20_240_601): SecretSample[] {
  const draw = drawer(seed)
  // Redraws until the value has every character class a real one would.
  const until = (make: () => string, ok: (v: string) => boolean) => {
    for (let i = 0; i < 1000; i++) {
      const v = make()
      if (ok(v)) return v
    }
    throw new Error('generator cannot satisfy its own check')
  }
  const mixed = (alphabet: string, length: number) =>
    until(
      () => draw(alphabet, length),
      (v) => /[A-Z]/.test(v) && /[a-z]/.test(v) && /\d/.test(v),
    )
  const hex = (length: number) =>
    until(
      () => draw(HEX, length),
      (v) => /\d/.test(v) && /[a-f]/.test(v),
    )
  const pemBody = Array.from({ length: 5 }, () => draw(B64, 64)).join('\n')
  const jwtHeader = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const servicePayload = b64url(
    JSON.stringify({
      iss: 'supabase',
      ref: draw(LOWER, 20),
      role: 'service_role',
      iat: 1700000000,
    }),
  )
  const userPayload = b64url(
    JSON.stringify({ sub: draw(DIGITS, 10), name: 'Ada', iat: 1516239022 }),
  )
  const password = mixed(ALNUM, 24)
  const accountKey = `${mixed(B64, 86)}==`
  const samples: Array<Omit<SecretSample, 'secret'> & { secret?: string }> = [
    { id: 'aws-access-key-id', name: 'AWS_ACCESS_KEY_ID', value: `AKIA${draw(BASE32, 16)}` },
    { id: 'aws-secret-access-key', name: 'AWS_SECRET_ACCESS_KEY', value: mixed(B64, 40) },
    { id: 'github-pat-classic', name: 'GITHUB_TOKEN', value: `ghp_${mixed(ALNUM, 36)}` },
    { id: 'github-oauth', name: 'GH_OAUTH_TOKEN', value: `gho_${mixed(ALNUM, 36)}` },
    {
      id: 'github-fine-grained',
      name: 'GITHUB_PAT',
      value: `github_pat_${mixed(ALNUM, 22)}_${mixed(ALNUM, 59)}`,
    },
    { id: 'gitlab-pat', name: 'GITLAB_TOKEN', value: `glpat-${mixed(B64URL, 20)}` },
    {
      id: 'slack-bot-token',
      name: 'SLACK_BOT_TOKEN',
      value: `xoxb-${draw(DIGITS, 11)}-${draw(DIGITS, 13)}-${mixed(ALNUM, 24)}`,
    },
    {
      id: 'slack-webhook',
      name: 'SLACK_WEBHOOK_URL',
      value: `https://hooks.slack.com/services/T${draw(UPPER + DIGITS, 8)}/B${draw(UPPER + DIGITS, 10)}/${mixed(ALNUM, 24)}`,
    },
    { id: 'stripe-live', name: 'STRIPE_SECRET_KEY', value: `sk_live_${mixed(ALNUM, 99)}` },
    {
      id: 'stripe-restricted',
      name: 'STRIPE_RESTRICTED_KEY',
      value: `rk_live_${mixed(ALNUM, 99)}`,
    },
    { id: 'stripe-test', name: 'STRIPE_TEST_KEY', value: `sk_test_${mixed(ALNUM, 99)}` },
    {
      id: 'openai-project',
      name: 'OPENAI_API_KEY',
      value: `sk-proj-${mixed(B64URL, 74)}T3BlbkFJ${mixed(B64URL, 74)}`,
    },
    {
      id: 'openai-legacy',
      name: 'OPENAI_KEY',
      value: `sk-${mixed(ALNUM, 20)}T3BlbkFJ${mixed(ALNUM, 20)}`,
    },
    {
      id: 'anthropic',
      name: 'ANTHROPIC_API_KEY',
      value: `sk-ant-api03-${mixed(B64URL, 93)}AA`,
    },
    { id: 'npm', name: 'NPM_TOKEN', value: `npm_${mixed(ALNUM, 36)}` },
    { id: 'google-api-key', name: 'GOOGLE_MAPS_API_KEY', value: `AIza${mixed(B64URL, 35)}` },
    {
      id: 'google-oauth-secret',
      name: 'GOOGLE_CLIENT_SECRET',
      value: `GOCSPX-${mixed(B64URL, 28)}`,
    },
    {
      id: 'sendgrid',
      name: 'SENDGRID_API_KEY',
      value: `SG.${mixed(B64URL, 22)}.${mixed(B64URL, 43)}`,
    },
    { id: 'twilio-api-key', name: 'TWILIO_API_KEY', value: `SK${draw(HEX, 32)}` },
    { id: 'twilio-account-sid', name: 'TWILIO_ACCOUNT_SID', value: `AC${draw(HEX, 32)}` },
    { id: 'mailgun', name: 'MAILGUN_API_KEY', value: `key-${draw(HEX, 32)}` },
    { id: 'mailchimp', name: 'MAILCHIMP_API_KEY', value: `${draw(HEX, 32)}-us21` },
    { id: 'shopify', name: 'SHOPIFY_ACCESS_TOKEN', value: `shpat_${draw(HEX, 32)}` },
    { id: 'digitalocean', name: 'DIGITALOCEAN_TOKEN', value: `dop_v1_${draw(HEX, 64)}` },
    { id: 'heroku-v2', name: 'HEROKU_API_KEY', value: `HRKU-AA${mixed(B64URL, 58)}` },
    { id: 'vercel', name: 'VERCEL_TOKEN', value: `vcp_${mixed(ALNUM, 56)}` },
    {
      id: 'cloudflare',
      name: 'CLOUDFLARE_API_TOKEN',
      value: `cfut_${mixed(ALNUM, 40)}${draw(HEX, 8)}`,
    },
    { id: 'doppler', name: 'DOPPLER_TOKEN', value: `dp.pt.${mixed(ALNUM, 43)}` },
    { id: 'linear', name: 'LINEAR_API_KEY', value: `lin_api_${mixed(ALNUM, 40)}` },
    { id: 'vault', name: 'VAULT_TOKEN', value: `hvs.${mixed(B64URL, 94)}` },
    { id: 'pypi', name: 'PYPI_TOKEN', value: `pypi-AgEIcHlwaS5vcmc${mixed(B64URL, 120)}` },
    {
      id: 'discord-bot',
      name: 'DISCORD_BOT_TOKEN',
      value: `${b64url(draw(DIGITS, 18))}.${mixed(B64URL, 6)}.${mixed(B64URL, 38)}`,
    },
    {
      id: 'telegram-bot',
      name: 'TELEGRAM_BOT_TOKEN',
      value: `${draw(DIGITS, 10)}:AA${mixed(B64URL, 33)}`,
    },
    {
      id: 'sentry-dsn',
      name: 'SENTRY_DSN',
      value: `https://${draw(HEX, 32)}@o${draw(DIGITS, 6)}.ingest.sentry.io/${draw(DIGITS, 7)}`,
    },
    {
      id: 'supabase-service-role',
      name: 'SUPABASE_SERVICE_ROLE_KEY',
      value: `${jwtHeader}.${servicePayload}.${mixed(B64URL, 43)}`,
    },
    {
      id: 'jwt',
      name: 'SESSION_JWT',
      value: `${jwtHeader}.${userPayload}.${mixed(B64URL, 43)}`,
    },
    {
      id: 'pem-rsa',
      name: 'JWT_PRIVATE_KEY',
      value: `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n-----END RSA PRIVATE KEY-----`,
    },
    {
      id: 'pem-openssh',
      name: 'DEPLOY_SSH_KEY',
      value: `-----BEGIN OPENSSH PRIVATE KEY-----\n${pemBody}\n-----END OPENSSH PRIVATE KEY-----`,
    },
    { id: 'huggingface', name: 'HF_TOKEN', value: `hf_${draw(UPPER + LOWER, 34)}` },
    { id: 'age', name: 'SOPS_AGE_KEY', value: `AGE-SECRET-KEY-1${draw(BECH32, 58)}` },
    { id: 'stripe-webhook', name: 'STRIPE_WEBHOOK_SECRET', value: `whsec_${mixed(ALNUM, 32)}` },
    { id: 'hex-64', name: 'ENCRYPTION_KEY', value: hex(64) },
    { id: 'base64-32-bytes', name: 'COOKIE_SECRET', value: `${mixed(B64, 43)}=` },
    { id: 'laravel-app-key', name: 'APP_KEY', value: `base64:${mixed(B64, 43)}=` },
    { id: 'datadog', name: 'DD_API_KEY', value: hex(32) },
    {
      id: 'django',
      name: 'DJANGO_SECRET_KEY',
      value: until(
        () => draw(DJANGO, 50),
        (v) => /\d/.test(v) && /[^a-z\d]/.test(v),
      ),
    },
    {
      id: 'database-url-password',
      name: 'DATABASE_URL',
      value: `postgres://app_user:${password}@db.internal.example.com:5432/app`,
      secret: password,
    },
    {
      id: 'azure-storage',
      name: 'AZURE_STORAGE_CONNECTION_STRING',
      value: `DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=${accountKey};EndpointSuffix=core.windows.net`,
      secret: accountKey,
    },
  ]
  return samples.map((s) => ({ ...s, secret: s.secret ?? s.value }))
}

/** An env line assigning `value`, double-quoted when it spans lines or holds `#` or blanks. */
export function envLine(name: string, value: string): string {
  return /[\n#\s'"]/.test(value) ? `${name}="${value}"\n` : `${name}=${value}\n`
}
