import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import type { Encryption } from '../../core/env/types.js'
import { CpoError } from '../../errors.js'

/**
 * age encryption for env backups (README.md, "Env vars"), with `age-encryption` (the reference
 * TypeScript age). Passphrases come from CPO_ENV_PASSPHRASE only, identities from
 * CPO_ENV_IDENTITY or a file: never a command-line value, which other users could read.
 * The passphrase stanza is age's own `scrypt` stanza (work factor 2^18), derived with Node's
 * native scrypt: the library's pure-JS one takes seconds per file, and a restore and its undo
 * each decrypt and encrypt.
 */

export const PASSPHRASE_VAR = 'CPO_ENV_PASSPHRASE'
export const IDENTITY_VAR = 'CPO_ENV_IDENTITY'

const LABEL = 'age-encryption.org/v1/scrypt'
const LOG_N = 18

export interface KeyOptions {
  env: NodeJS.ProcessEnv
  recipients?: string[]
  /** A file holding AGE-SECRET-KEY-1… lines. */
  identityFile?: string
}

/** What a backup is encrypted to: the recipients given, else the passphrase in the environment. */
export function encryptionFor(o: KeyOptions): Encryption {
  if (o.recipients && o.recipients.length > 0) {
    for (const r of o.recipients) {
      if (!/^age1[0-9a-z]+$/.test(r)) {
        throw new CpoError(
          'ENV_KEY_INVALID',
          'usage',
          `--recipient ${r} is not an age recipient (age1…)`,
          {
            hint: 'Pass a public key printed by `age-keygen` (age1…), or set CPO_ENV_PASSPHRASE instead.',
          },
        )
      }
    }
    return { kind: 'recipients', recipients: o.recipients }
  }
  if (o.env[PASSPHRASE_VAR]) return { kind: 'passphrase' }
  throw new CpoError(
    'ENV_KEY_MISSING',
    'usage',
    `--encrypt needs a key: ${PASSPHRASE_VAR} is not set and no --recipient was given`,
    {
      hint: `export ${PASSPHRASE_VAR}=<passphrase> (or pass --recipient age1…), then run again`,
    },
  )
}

export async function encrypt(
  text: string,
  how: Encryption,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const age = await import('age-encryption')
  const e = new age.Encrypter()
  if (how.kind === 'passphrase') e.addRecipient(new NativeScryptRecipient(passphrase(env)))
  else for (const r of how.recipients) e.addRecipient(r)
  return age.armor.encode(await e.encrypt(text))
}

export async function decrypt(
  armored: string,
  how: Encryption,
  o: KeyOptions,
  file: string,
): Promise<string> {
  const age = await import('age-encryption')
  const d = new age.Decrypter()
  if (how.kind === 'passphrase') d.addIdentity(new NativeScryptIdentity(passphrase(o.env)))
  else for (const id of await identities(o)) d.addIdentity(id)
  let bytes: Uint8Array
  try {
    bytes = age.armor.decode(armored)
  } catch {
    throw new CpoError(
      'ENV_BACKUP_INVALID',
      'invalidInput',
      `${file}: the encrypted part is damaged`,
      {
        hint: 'Use another backup (`cpo env backup --encrypt` makes a new one).',
      },
    )
  }
  try {
    return await d.decrypt(bytes, 'text')
  } catch (error) {
    const wrong = /no identity matched|incorrect|invalid tag|authentication/i.test(String(error))
    throw new CpoError(
      'ENV_DECRYPT_FAILED',
      'invalidInput',
      how.kind === 'passphrase'
        ? `cannot decrypt ${file}: the passphrase in ${PASSPHRASE_VAR} is not the one it was encrypted with`
        : `cannot decrypt ${file}: ${wrong ? `no identity given matches its recipients (${how.recipients.join(', ')})` : 'it is damaged'}`,
      {
        hint:
          how.kind === 'passphrase'
            ? `export ${PASSPHRASE_VAR}=<the passphrase used for the backup>, then run again`
            : `export ${IDENTITY_VAR}=AGE-SECRET-KEY-1… (or pass --identity <file>) for one of its recipients, then run again`,
      },
    )
  }
}

function passphrase(env: NodeJS.ProcessEnv): string {
  const p = env[PASSPHRASE_VAR]
  if (p) return p
  throw new CpoError(
    'ENV_KEY_MISSING',
    'usage',
    `the backup is encrypted with a passphrase and ${PASSPHRASE_VAR} is not set`,
    {
      hint: `export ${PASSPHRASE_VAR}=<passphrase>, then run again`,
    },
  )
}

async function identities(o: KeyOptions): Promise<string[]> {
  let text = o.env[IDENTITY_VAR] ?? ''
  if (o.identityFile) {
    text += `\n${await fsp.readFile(o.identityFile, 'utf8').catch(() => {
      throw new CpoError(
        'ENV_KEY_MISSING',
        'usage',
        `cannot read the identity file ${o.identityFile}`,
        {
          hint: 'Pass a file written by `age-keygen` (it holds AGE-SECRET-KEY-1…).',
        },
      )
    })}`
  }
  const keys = text.split(/\s+/).filter((l) => l.startsWith('AGE-SECRET-KEY-'))
  if (keys.length === 0) {
    throw new CpoError(
      'ENV_KEY_MISSING',
      'usage',
      `the backup is encrypted to age recipients and no identity is given`,
      {
        hint: `export ${IDENTITY_VAR}=AGE-SECRET-KEY-1… (or pass --identity <file>), then run again`,
      },
    )
  }
  return keys
}

interface Stanza {
  args: string[]
  body: Uint8Array
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '')

function derive(pass: string, salt: Uint8Array, logN: number): Promise<Buffer> {
  const input = Buffer.concat([Buffer.from(LABEL), salt])
  return new Promise((resolve, reject) =>
    scrypt(pass, input, 32, { N: 2 ** logN, r: 8, p: 1, maxmem: 2 ** 31 }, (e, k) =>
      e ? reject(e) : resolve(k),
    ),
  )
}

class NativeScryptRecipient {
  constructor(private readonly pass: string) {}
  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const { Stanza } = await import('age-encryption')
    const salt = randomBytes(16)
    const key = await derive(this.pass, salt, LOG_N)
    const c = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 })
    const body = Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()])
    return [new Stanza(['scrypt', b64(salt), String(LOG_N)], body)]
  }
}

class NativeScryptIdentity {
  constructor(private readonly pass: string) {}
  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    for (const s of stanzas) {
      if (s.args[0] !== 'scrypt') continue
      if (stanzas.length !== 1)
        throw new Error('scrypt recipient is not the only one in the header')
      const [, salt64 = '', logText = ''] = s.args
      const salt = Buffer.from(salt64, 'base64')
      const logN = Number(logText)
      if (salt.length !== 16 || !/^[1-9][0-9]*$/.test(logText) || s.body.length !== 32) {
        throw new Error('invalid scrypt stanza')
      }
      if (logN > 20) throw new Error('scrypt work factor is too high')
      const key = await derive(this.pass, salt, logN)
      const d = createDecipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 })
      d.setAuthTag(s.body.subarray(16))
      try {
        return Buffer.concat([d.update(s.body.subarray(0, 16)), d.final()])
      } catch {
        return null
      }
    }
    return null
  }
}
