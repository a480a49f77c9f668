import { describe, expect, it } from 'vitest'
import { copyName } from '../../src/core/db/names.js'
import { normalizePostgresSchema } from '../../src/core/db/postgres-schema.js'
import {
  isLocalUrl,
  parsePostgresUrl,
  postgresEnv,
  redactPostgresUrl,
} from '../../src/core/db/postgres-url.js'

describe('postgres URLs', () => {
  it('takes apart user, percent-encoded password, host, port, database and parameters', () => {
    const u = parsePostgresUrl(
      'postgresql://app%40corp:p%40ss%3Aw%2Fd@db.example.com:6543/my%20db?sslmode=require&schema=public',
    )
    expect(u).toEqual({
      hosts: ['db.example.com'],
      port: '6543',
      user: 'app@corp',
      password: 'p@ss:w/d',
      database: 'my db',
      params: { sslmode: 'require', schema: 'public' },
    })
    expect(postgresEnv(u, 'my db')).toEqual({
      PGHOST: 'db.example.com',
      PGPORT: '6543',
      PGUSER: 'app@corp',
      PGPASSWORD: 'p@ss:w/d',
      PGDATABASE: 'my db',
      PGSSLMODE: 'require',
    })
  })

  it('reads ?host=/socket, IPv6 literals and host lists', () => {
    expect(parsePostgresUrl('postgres:///app?host=/var/run/postgresql').hosts).toEqual([
      '/var/run/postgresql',
    ])
    expect(parsePostgresUrl('postgres://u@%2Ftmp%2Fsock/app').hosts).toEqual(['/tmp/sock'])
    const v6 = parsePostgresUrl('postgres://u@[::1]:5433/app')
    expect(v6.hosts).toEqual(['::1'])
    expect(v6.port).toBe('5433')
    expect(parsePostgresUrl('postgres://u@a:1,b:2/app')).toMatchObject({
      hosts: ['a', 'b'],
      port: '1,2',
    })
  })

  it('local: loopback, sockets, no host; anything else is remote', () => {
    const local = [
      'postgres://u@localhost/app',
      'postgres://u@127.0.0.1:5432/app',
      'postgres://u@127.8.9.10/app',
      'postgres://u@[::1]/app',
      'postgres:///app',
      'postgres:///app?host=/var/run/postgresql',
    ]
    const remote = [
      'postgres://u@db.example.com/app',
      'postgres://u@10.0.0.5/app',
      'postgres://u@128.0.0.1/app',
      'postgres://u@localhost,db.example.com/app',
      'postgres://u@localhost.example.com/app',
    ]
    for (const url of local) expect(isLocalUrl(parsePostgresUrl(url)), url).toBe(true)
    for (const url of remote) expect(isLocalUrl(parsePostgresUrl(url)), url).toBe(false)
  })

  it('redacts the password in the user info and in ?password=', () => {
    expect(redactPostgresUrl('postgres://app:s3cr%40t@h:5432/db')).toBe(
      'postgres://app:***@h:5432/db',
    )
    expect(redactPostgresUrl('postgres://h/db?user=a&password=s3cret&sslmode=require')).toBe(
      'postgres://h/db?user=a&password=***&sslmode=require',
    )
    expect(redactPostgresUrl('postgres://app@h/db')).toBe('postgres://app@h/db')
  })

  it('rejects other schemes and bad encodings without quoting the URL', () => {
    for (const url of ['mysql://u:hunter2@h/db', 'postgres://u:hunter2%zz@h/db']) {
      let err: any
      try {
        parsePostgresUrl(url)
      } catch (e) {
        err = e
      }
      expect(err.code).toBe('DB_URL_INVALID')
      expect(err.message).not.toContain('hunter2')
    }
  })
})

describe('database names', () => {
  it('keeps short names and shortens long ones to 63 bytes with a stable hash', () => {
    expect(copyName('app', 'stage-3')).toBe('app__cpo_stage-3')
    const long = copyName('a'.repeat(40), 'before_op-20261201-123456-abcdef')
    expect(Buffer.byteLength(long)).toBe(63)
    expect(long).toBe(copyName('a'.repeat(40), 'before_op-20261201-123456-abcdef'))
    expect(long).not.toBe(copyName('a'.repeat(40), 'before_op-20261201-123456-abcdeg'))
    expect(Buffer.byteLength(copyName('é'.repeat(40), 'x'))).toBeLessThanOrEqual(63)
    // A cut never leaves half a surrogate pair.
    expect(copyName(`a${'😀'.repeat(20)}`, 'x')).toMatch(
      /^a(\p{Extended_Pictographic})+_[0-9a-f]{10}$/u,
    )
  })
})

describe('schema text', () => {
  it('drops comments, SET, set_config and \\restrict lines, collapses blank lines', () => {
    const dump = [
      '--',
      '-- PostgreSQL database dump',
      '--',
      '\\restrict AbC123',
      'SET statement_timeout = 0;',
      "SELECT pg_catalog.set_config('search_path', '', false);",
      '',
      '',
      'CREATE TABLE public.t (',
      '    x integer',
      ');',
      '',
      '\\unrestrict AbC123',
      '',
    ].join('\n')
    expect(normalizePostgresSchema(dump)).toBe('CREATE TABLE public.t (\n    x integer\n);\n')
  })
})
