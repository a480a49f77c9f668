import { describe, expect, it } from 'vitest'
import { REDACTED, redactEnv } from '../../../src/core/redact/index.js'
import { ALNUM, B64, drawer } from './synthetic.js'

const draw = drawer(7)
const token = `ghp_${draw(ALNUM, 36)}`
const password = `pw${draw(ALNUM, 18)}`

describe('redactEnv: a template of the file', () => {
  it('renders a file without secrets byte for byte', () => {
    const file = [
      '# Acme web app — local settings',
      '',
      'export NODE_ENV=development',
      'PORT=3000 # dev server',
      "APP_NAME='Acme Web'",
      'GREETING="Hello,\\nworld"',
      'BANNER="line one',
      'line two"',
      'SQL=`SELECT 1`',
      'EMPTY=',
      'DATABASE_URL=postgres://localhost:5432/acme',
      'KEYCLOAK_URL=https://sso.example.com/realms/acme',
      'PUBLIC_KEY_PATH=./keys/public.pem',
      '   # indented comment',
      'OPTIONAL_API_KEY=   # fill in for staging',
      'NO_NEWLINE_AT_END=true',
    ].join('\r\n')
    const { text, report, malformed } = redactEnv(file)
    expect(text).toBe(file)
    expect(malformed).toEqual([])
    expect(report.map((r) => [r.key, r.line, r.action, r.reason])).toEqual([
      ['NODE_ENV', 3, 'kept', 'harmless-name'],
      ['PORT', 4, 'kept', 'harmless-name'],
      ['APP_NAME', 5, 'kept', 'harmless-name'],
      ['GREETING', 6, 'kept', 'harmless-name'],
      ['BANNER', 7, 'kept', 'harmless-name'],
      ['SQL', 9, 'kept', 'harmless-name'],
      ['EMPTY', 10, 'kept', 'empty'],
      ['DATABASE_URL', 11, 'kept', 'harmless-name'],
      ['KEYCLOAK_URL', 12, 'kept', 'harmless-name'],
      ['PUBLIC_KEY_PATH', 13, 'kept', 'harmless-name'],
      ['OPTIONAL_API_KEY', 15, 'kept', 'empty'],
      ['NO_NEWLINE_AT_END', 16, 'kept', 'harmless-name'],
    ])
  })

  it('replaces secret values and keeps names, quotes, export and comments', () => {
    const file = [
      `export GITHUB_TOKEN=${token} # CI only`,
      `DB_PASSWORD='${password}'`,
      `API_SECRET="${password}"`,
      `SQL_PASS=\`${password}\``,
      '',
    ].join('\n')
    const { text, report } = redactEnv(file)
    expect(text).toBe(
      [
        `export GITHUB_TOKEN=${REDACTED} # CI only`,
        `DB_PASSWORD='${REDACTED}'`,
        `API_SECRET="${REDACTED}"`,
        `SQL_PASS=\`${REDACTED}\``,
        '',
      ].join('\n'),
    )
    expect(report).toEqual([
      {
        key: 'GITHUB_TOKEN',
        line: 1,
        action: 'redacted',
        reason: 'format:github-token',
        source: 'value',
      },
      { key: 'DB_PASSWORD', line: 2, action: 'redacted', reason: 'name:PASSWORD', source: 'value' },
      { key: 'API_SECRET', line: 3, action: 'redacted', reason: 'name:SECRET', source: 'value' },
      { key: 'SQL_PASS', line: 4, action: 'redacted', reason: 'name:PASS', source: 'value' },
    ])
  })

  it('turns a multi-line secret into one REDACTED value in its own quotes', () => {
    const body = Array.from({ length: 3 }, () => draw(B64, 64)).join('\n')
    const file = `A=1\nTLS_KEY="-----BEGIN EC PRIVATE KEY-----\n${body}\n-----END EC PRIVATE KEY-----"  # prod\nB=2\n`
    const { text, report } = redactEnv(file)
    expect(text).toBe(`A=1\nTLS_KEY="${REDACTED}"  # prod\nB=2\n`)
    expect(report.map((r) => [r.key, r.line, r.action, r.reason])).toEqual([
      ['A', 1, 'kept', 'harmless-name'],
      ['TLS_KEY', 2, 'redacted', 'pem'],
      ['B', 7, 'kept', 'harmless-name'],
    ])
  })

  it('masks only the password of a URL, in any quote style', () => {
    const file = [
      `DATABASE_URL=postgres://app:${password}@db.example.com:5432/app?sslmode=require`,
      `REDIS_URL="redis://:${password}@cache:6379/0"`,
      `AMQP_URL='amqp://guest:${password}@mq.internal/vhost'`,
      '',
    ].join('\n')
    const { text, report } = redactEnv(file)
    expect(text).toBe(
      [
        `DATABASE_URL=postgres://app:${REDACTED}@db.example.com:5432/app?sslmode=require`,
        `REDIS_URL="redis://:${REDACTED}@cache:6379/0"`,
        `AMQP_URL='amqp://guest:${REDACTED}@mq.internal/vhost'`,
        '',
      ].join('\n'),
    )
    expect(report.map((r) => [r.key, r.action, r.reason])).toEqual([
      ['DATABASE_URL', 'partially-redacted', 'url-password'],
      ['REDIS_URL', 'partially-redacted', 'url-password'],
      ['AMQP_URL', 'partially-redacted', 'url-password'],
    ])
  })

  it('redacts the whole value when the masked source would not read back the same', () => {
    // In double quotes `\n` is an escape: the source holds one token where the value holds two
    // URLs, so masking the source would leave the second password in place.
    const file = `REDIS_URLS="redis://:${password}@h1\\nredis://:${password}x@h2"\n`
    const { text, report } = redactEnv(file)
    expect(text).toBe(`REDIS_URLS="${REDACTED}"\n`)
    expect(report).toEqual([
      { key: 'REDIS_URLS', line: 1, action: 'redacted', reason: 'url-password', source: 'value' },
    ])
  })

  it('masks a password holding an unencoded blank when the value is a single URL', () => {
    const { text } = redactEnv('DATABASE_URL="postgres://app:my secret pw@db/app"\n')
    expect(text).toBe(`DATABASE_URL="postgres://app:${REDACTED}@db/app"\n`)
  })

  it('redacts a value dotenv cuts at a glued `#`, and the glued part with it', () => {
    const { text, report } = redactEnv('DB_PASSWORD=abc#def\nNOTE=blue#ish\n')
    expect(text).toBe(`DB_PASSWORD=${REDACTED}\nNOTE=blue#ish\n`)
    expect(report.map((r) => r.action)).toEqual(['redacted', 'kept'])
  })

  it('redacts commented-out secrets and tokens pasted into comments', () => {
    const file = [
      `# GITHUB_TOKEN=${token}`,
      `## export DB_PASSWORD="${password}"`,
      '# PORT=3000',
      `# the old token was ${token}, rotated`,
      `API_URL=https://api.example.com # key: ${token}`,
      '',
    ].join('\n')
    const { text, report } = redactEnv(file)
    expect(text).toBe(
      [
        `# GITHUB_TOKEN=${REDACTED}`,
        `## export DB_PASSWORD="${REDACTED}"`,
        '# PORT=3000',
        `# the old token was ${REDACTED}, rotated`,
        `API_URL=https://api.example.com # key: ${REDACTED}`,
        '',
      ].join('\n'),
    )
    expect(report).toEqual([
      {
        key: 'GITHUB_TOKEN',
        line: 1,
        action: 'redacted',
        reason: 'format:github-token',
        source: 'comment',
      },
      {
        key: 'DB_PASSWORD',
        line: 2,
        action: 'redacted',
        reason: 'name:PASSWORD',
        source: 'comment',
      },
      { key: null, line: 4, action: 'redacted', reason: 'format:github-token', source: 'comment' },
      { key: 'API_URL', line: 5, action: 'kept', reason: 'harmless-name', source: 'value' },
      {
        key: 'API_URL',
        line: 5,
        action: 'redacted',
        reason: 'format:github-token',
        source: 'comment',
      },
    ])
  })

  it('keeps malformed lines, reports them, and cuts what follows a secret name', () => {
    const file = [
      'GOOD=1',
      `MY PASSWORD=${password}`,
      `PASSWORD ${password}`,
      'just some words',
      'BROKEN="never closed',
      '',
    ].join('\n')
    const { text, report, malformed } = redactEnv(file)
    expect(text).toBe(
      [
        'GOOD=1',
        `MY PASSWORD=${REDACTED}`,
        `PASSWORD ${REDACTED}`,
        'just some words',
        'BROKEN="never closed',
        '',
      ].join('\n'),
    )
    expect(malformed).toEqual([2, 3, 4, 5])
    expect(report).toEqual([
      { key: 'GOOD', line: 1, action: 'kept', reason: 'harmless-name', source: 'value' },
      { key: null, line: 2, action: 'redacted', reason: 'name:PASSWORD', source: 'malformed' },
      { key: null, line: 3, action: 'redacted', reason: 'name:PASSWORD', source: 'malformed' },
      { key: 'BROKEN', line: 5, action: 'kept', reason: 'harmless-name', source: 'value' },
    ])
  })

  it('redacts the body of an unquoted PEM block that dotenv cannot read', () => {
    const body = Array.from({ length: 3 }, () => draw(B64, 64))
    const file = [
      'SIGNING_KEY=-----BEGIN PRIVATE KEY-----',
      ...body,
      'Ab3=',
      '-----END PRIVATE KEY-----',
      'NEXT=1',
      '',
    ].join('\n')
    const { text, report, malformed } = redactEnv(file)
    expect(text).toBe(
      [
        `SIGNING_KEY=${REDACTED}`,
        REDACTED,
        REDACTED,
        REDACTED,
        REDACTED,
        REDACTED,
        'NEXT=1',
        '',
      ].join('\n'),
    )
    for (const line of body) expect(text).not.toContain(line)
    expect(malformed).toEqual([2, 3, 4, 5, 6])
    expect(report.map((r) => [r.key, r.line, r.action, r.reason, r.source])).toEqual([
      ['SIGNING_KEY', 1, 'redacted', 'pem', 'value'],
      [null, 2, 'redacted', 'pem', 'malformed'],
      [null, 3, 'redacted', 'pem', 'malformed'],
      [null, 4, 'redacted', 'pem', 'malformed'],
      [null, 5, 'redacted', 'pem', 'malformed'],
      [null, 6, 'redacted', 'pem', 'malformed'],
      ['NEXT', 7, 'kept', 'harmless-name', 'value'],
    ])
  })

  it('redacts values dotenv takes from the next line', () => {
    const file = `DB_PASSWORD=\n  "${password}"\nAPI_TOKEN:\n${password}\nPORT=1\n`
    const { text, report } = redactEnv(file)
    expect(text).toBe(`DB_PASSWORD=\n  "${REDACTED}"\nAPI_TOKEN:\n${REDACTED}\nPORT=1\n`)
    expect(report.map((r) => [r.key, r.line, r.action, r.reason])).toEqual([
      ['DB_PASSWORD', 1, 'redacted', 'name:PASSWORD'],
      ['API_TOKEN', 3, 'redacted', 'name:TOKEN'],
      ['PORT', 5, 'kept', 'harmless-name'],
    ])
  })

  it('redacts a stray key line that dotenv would read as a random variable name', () => {
    const line = `${draw(ALNUM, 63)}=`
    const { text, report, malformed } = redactEnv(`A=1\n${line}\n`)
    expect(text).toBe(`A=1\n${REDACTED}\n`)
    expect(malformed).toEqual([2])
    expect(report[1]).toEqual({
      key: null,
      line: 2,
      action: 'redacted',
      reason: 'entropy',
      source: 'malformed',
    })
  })

  it('is idempotent: a template redacts to itself', () => {
    const file = `TOKEN=${token}\nDATABASE_URL=postgres://u:${password}@h/db\nPORT=1\n`
    const once = redactEnv(file).text
    const twice = redactEnv(once)
    expect(twice.text).toBe(once)
    expect(twice.report.map((r) => [r.key, r.action, r.reason])).toEqual([
      ['TOKEN', 'kept', 'placeholder'],
      ['DATABASE_URL', 'kept', 'harmless-name'],
      ['PORT', 'kept', 'harmless-name'],
    ])
  })

  it('leaves prose in comments alone', () => {
    const file = [
      '# Basic authentication protects /admin; see https://wiki.example.com/ops/env',
      '# Token rotation: every 90 days (ask #platform)',
      '',
    ].join('\n')
    expect(redactEnv(file)).toEqual({ text: file, report: [], malformed: [] })
  })

  it('cuts an auth token out of an npmrc-style line', () => {
    const { text, malformed } = redactEnv('//registry.npmjs.org/:_authToken=abc123\n')
    expect(text).toBe(`//registry.npmjs.org/:${REDACTED}\n`)
    expect(malformed).toEqual([1])
  })

  it('returns an empty template for an empty file', () => {
    expect(redactEnv('')).toEqual({ text: '', report: [], malformed: [] })
  })
})
