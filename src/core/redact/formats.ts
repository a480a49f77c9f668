/**
 * Token formats that give a secret away whatever it is called: vendor prefixes (after gitleaks,
 * secretlint and the vendors' own docs), PEM blocks and JWTs. Every pattern is searched anywhere
 * in a value, so a token inside a URL or a comment is found too.
 */

import type { ReasonSpan } from './spans.js'

export interface TokenFormat {
  id: string
  pattern: RegExp
  /** Extra check for patterns too broad on their own. */
  accept?: (match: string) => boolean
}

// Token start: not glued to a preceding letter or digit (`task-…` is not an OpenAI `sk-…`).
const B = '(?<![A-Za-z0-9])'
// Token end for fixed-length formats.
const E = '(?![A-Za-z0-9])'

const f = (id: string, source: string, accept?: (m: string) => boolean): TokenFormat =>
  accept
    ? { id, pattern: new RegExp(source, 'g'), accept }
    : { id, pattern: new RegExp(source, 'g') }

/** Ordered: the more specific prefix first (Anthropic `sk-ant-` before OpenAI `sk-`). */
export const TOKEN_FORMATS: readonly TokenFormat[] = [
  f('aws-access-key-id', `${B}(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}${E}`),
  f('github-token', `${B}gh[pousr]_[A-Za-z0-9]{36,251}${E}`),
  f('github-fine-grained-pat', `${B}github_pat_[A-Za-z0-9_]{40,}`),
  f('gitlab-token', `${B}gl(?:pat|ptt|dt|rt|cbt|soat|ft|imt|ffct|agent|oas)-[A-Za-z0-9_.-]{20,}`),
  f('slack-token', `${B}xox[abposre]-[A-Za-z0-9-]{10,}`),
  f('slack-app-token', `${B}xapp-\\d-[A-Za-z0-9-]{10,}`),
  f('slack-webhook', 'hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}'),
  f('stripe-secret-key', `${B}(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,}`),
  f('stripe-webhook-secret', `${B}whsec_[A-Za-z0-9+/=]{20,}`),
  f('anthropic-api-key', `${B}sk-ant-[A-Za-z0-9_-]{20,}`),
  f('openai-api-key', '(?<![A-Za-z0-9_-])sk-(?!ant-)[A-Za-z0-9_-]{20,}'),
  f('npm-token', `${B}npm_[A-Za-z0-9]{36}${E}`),
  f('google-api-key', `${B}AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])`),
  f('google-oauth-client-secret', `${B}GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])`),
  f('google-oauth-token', `${B}ya29\\.[A-Za-z0-9_-]{20,}`),
  f('google-refresh-token', `${B}1//0[A-Za-z0-9_-]{40,}`),
  f('sendgrid-api-key', `${B}SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])`),
  f('twilio-api-key', `${B}SK[0-9a-fA-F]{32}${E}`),
  f('twilio-account-sid', `${B}AC[0-9a-f]{32}${E}`),
  f('mailgun-api-key', `${B}key-[0-9a-f]{32}${E}`),
  f('mailgun-signing-key', `${B}[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}${E}`),
  f('mailchimp-api-key', `${B}[0-9a-f]{32}-us\\d{1,2}${E}`),
  f('shopify-token', `${B}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${E}`),
  f('digitalocean-token', `${B}do[opr]_v1_[a-f0-9]{64}${E}`),
  f('heroku-api-key', `${B}HRKU-AA[A-Za-z0-9_-]{58}(?![A-Za-z0-9_-])`),
  // Vercel's 2025 formats: vcp (personal), vci (integration), vca/vcr (app), vck (API key).
  f('vercel-token', `${B}vc[pciark]_[A-Za-z0-9]{20,}`),
  // Cloudflare's 2026 formats: cfk (global key), cfut (user token), cfat (account token).
  f('cloudflare-api-token', `${B}cf(?:k|ut|at)_[A-Za-z0-9]{40,}`),
  f('cloudflare-origin-ca-key', `${B}v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}`),
  f('doppler-token', `${B}dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,}`),
  f('linear-api-key', `${B}lin_(?:api|oauth)_[A-Za-z0-9]{40}${E}`),
  f('vault-token', `${B}hv[sbr]\\.[A-Za-z0-9_-]{24,}`),
  f('pypi-token', `${B}pypi-AgE[A-Za-z0-9_-]{50,}`),
  f(
    'discord-bot-token',
    '(?<![A-Za-z0-9_-])[MNO][A-Za-z0-9_-]{23,27}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,40}(?![A-Za-z0-9_-])',
  ),
  f('discord-webhook', 'discord(?:app)?\\.com/api/webhooks/\\d+/[A-Za-z0-9_-]{40,}'),
  f('telegram-bot-token', `${B}\\d{6,12}:AA[A-Za-z0-9_-]{30,40}(?![A-Za-z0-9_-])`),
  f('sentry-dsn', 'https?://[0-9a-f]{32}(?::[0-9a-f]{32})?@[A-Za-z0-9.-]+(?::\\d+)?/\\d+'),
  f('sentry-token', `${B}sntry[su]_[A-Za-z0-9+/=_]{40,}`),
  f('supabase-secret-key', `${B}sb_secret_[A-Za-z0-9_-]{20,}`),
  f('huggingface-token', `${B}hf_[A-Za-z]{34}${E}`),
  f('groq-api-key', `${B}gsk_[A-Za-z0-9]{48,}`),
  f('replicate-token', `${B}r8_[A-Za-z0-9]{37}${E}`),
  f('perplexity-api-key', `${B}pplx-[A-Za-z0-9]{48}${E}`),
  f('xai-api-key', `${B}xai-[A-Za-z0-9]{40,}`),
  f('notion-token', `${B}ntn_[A-Za-z0-9]{40,}`),
  f('airtable-pat', `${B}pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}${E}`),
  f('planetscale-token', `${B}pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,}`),
  f('databricks-token', `${B}dapi[a-f0-9]{32}${E}`),
  f('grafana-token', `${B}(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})`),
  f('new-relic-key', `${B}NR(?:AK|II|JS)-[A-Za-z0-9]{19,32}`),
  f('age-secret-key', `${B}AGE-SECRET-KEY-1[0-9A-Z]{58}${E}`),
  f('docker-hub-pat', `${B}dckr_pat_[A-Za-z0-9_-]{27,}`),
  f('postman-api-key', `${B}PMAK-[a-f0-9]{24}-[a-f0-9]{34}${E}`),
  f('pulumi-token', `${B}pul-[a-f0-9]{40}${E}`),
  f('terraform-cloud-token', `${B}[a-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,}`),
  f('tailscale-key', `${B}tskey-[A-Za-z0-9-]{20,}`),
  f('square-token', `${B}(?:EAAA|sq0atp-|sq0csp-)[A-Za-z0-9_-]{22,}`),
  f('atlassian-token', `${B}ATATT3[A-Za-z0-9_=-]{100,}`),
  f(
    'azure-ad-client-secret',
    `${B}[A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])`,
  ),
  f('resend-api-key', `${B}re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}${E}`),
  f('langsmith-key', `${B}lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}${E}`),
  f('pinecone-key', `${B}pcsk_[A-Za-z0-9_]{50,}`),
  f('flyio-token', `${B}(?:fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})`),
  // A credential, not prose ("Basic authentication"): digits, base64 punctuation or inner capitals.
  f('bearer-credential', '(?<![A-Za-z])(?:Bearer|Basic) [A-Za-z0-9._~+/-]{8,}=*', (m) => {
    const token = m.slice(m.indexOf(' ') + 1)
    return /[\d+/=]/.test(token) || (/[A-Z]/.test(token.slice(1)) && /[a-z]/.test(token))
  }),
  // The AWS secret key has no prefix: exactly 40 base64 characters mixing cases and digits.
  f(
    'aws-secret-access-key',
    '(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])',
    (m) => /[A-Z]/.test(m) && /[a-z]/.test(m) && /\d/.test(m) && !m.startsWith('/'),
  ),
]

const PEM = /-----BEGIN [A-Z0-9 ]{1,60}-----|PuTTY-User-Key-File-\d/g
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*)?/g

/**
 * Every PEM block, JWT and vendor token in `text`, with reason `pem`, `jwt` or `format:<id>`.
 * A PEM block runs from its header to its END line (or the end of the text). Certificates count
 * too: they are public, but a template never needs one and a bundle may hide a key after them.
 */
export function findFormats(text: string): ReasonSpan[] {
  const found: ReasonSpan[] = []
  for (const m of text.matchAll(PEM)) {
    const end = text.indexOf('-----END', m.index + m[0].length)
    const close = end < 0 ? -1 : text.indexOf('-----', end + 8)
    const stop = close < 0 ? text.length : close + 5
    found.push({ start: m.index, end: stop, reason: 'pem' })
  }
  for (const m of text.matchAll(JWT)) {
    found.push({ start: m.index, end: m.index + m[0].length, reason: 'jwt' })
  }
  for (const format of TOKEN_FORMATS) {
    for (const m of text.matchAll(format.pattern)) {
      if (format.accept && !format.accept(m[0])) continue
      found.push({ start: m.index, end: m.index + m[0].length, reason: `format:${format.id}` })
    }
  }
  return found
}
