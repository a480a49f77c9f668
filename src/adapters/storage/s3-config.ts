import type { S3Client } from '@aws-sdk/client-s3'
import { CpoError } from '../../errors.js'

/** Everything an S3 store needs to know, read once from the location and the environment. */
export interface S3Settings {
  bucket: string
  /** Key prefix without leading or trailing slash; '' for the bucket root. */
  prefix: string
  /** A custom endpoint (emulator, MinIO, R2 …); undefined means AWS itself. */
  endpoint: string | undefined
  forcePathStyle: boolean
  /** undefined leaves the SDK's own default (and its AWS_REQUEST_CHECKSUM_CALCULATION). */
  checksums: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED' | undefined
  /** Multipart part size in bytes (S3: at least 5 MiB, at most 10,000 parts per object). */
  partSize: number
}

const MIB = 1024 * 1024
const DEFAULT_PART_MIB = 16
// Bucket names: S3's own rule, relaxed to the superset S3-compatible servers accept.
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/

function configError(message: string, hint: string): CpoError {
  return new CpoError('STORE_BAD_CONFIG', 'usage', message, { hint })
}

/** `s3://bucket/some/prefix` → bucket and prefix. */
export function parseS3Location(location: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(location)
  const bucket = m?.[1] ?? ''
  const prefix = (m?.[2] ?? '').replace(/^\/+|\/+$/g, '')
  const segments = prefix === '' ? [] : prefix.split('/')
  if (!BUCKET.test(bucket) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw configError(
      `invalid S3 store ${JSON.stringify(location)}`,
      'Use s3://bucket or s3://bucket/prefix (no empty, "." or ".." segments in the prefix).',
    )
  }
  return { bucket, prefix }
}

const flag = (v: string | undefined) => (v === undefined || v === '' ? undefined : v)

export function s3Settings(location: string, env: NodeJS.ProcessEnv): S3Settings {
  const { bucket, prefix } = parseS3Location(location)
  const endpoint =
    flag(env.CPO_S3_ENDPOINT) ?? flag(env.AWS_ENDPOINT_URL_S3) ?? flag(env.AWS_ENDPOINT_URL)
  if (endpoint !== undefined && !/^https?:\/\/[^/]/i.test(endpoint)) {
    throw configError(
      `invalid S3 endpoint ${JSON.stringify(endpoint)}`,
      'Set CPO_S3_ENDPOINT (or AWS_ENDPOINT_URL_S3) to a URL such as http://127.0.0.1:9000.',
    )
  }
  // Custom endpoints are nearly always emulators or self-hosted servers without wildcard DNS
  // for bucket.host names, so they get path-style URLs unless told otherwise.
  const pathStyle = flag(env.CPO_S3_PATH_STYLE)
  if (pathStyle !== undefined && pathStyle !== '0' && pathStyle !== '1') {
    throw configError(`CPO_S3_PATH_STYLE must be 0 or 1, got ${JSON.stringify(pathStyle)}`, '')
  }
  const checksums = flag(env.CPO_S3_CHECKSUMS)?.toLowerCase()
  if (checksums !== undefined && checksums !== 'when_supported' && checksums !== 'when_required') {
    throw configError(
      `CPO_S3_CHECKSUMS must be when_supported or when_required, got ${JSON.stringify(checksums)}`,
      'Use when_required for emulators that store the SDK’s default CRC32 chunked uploads corrupted.',
    )
  }
  const partRaw = flag(env.CPO_S3_PART_SIZE_MB)
  const partMib = partRaw === undefined ? DEFAULT_PART_MIB : Number(partRaw)
  if (!Number.isInteger(partMib) || partMib < 5 || partMib > 5120) {
    throw configError(
      `CPO_S3_PART_SIZE_MB must be an integer from 5 to 5120, got ${JSON.stringify(partRaw)}`,
      'S3 refuses parts under 5 MiB (except the last) and over 5 GiB.',
    )
  }
  return {
    bucket,
    prefix,
    endpoint,
    forcePathStyle: pathStyle === undefined ? endpoint !== undefined : pathStyle === '1',
    checksums:
      checksums === undefined
        ? undefined
        : checksums === 'when_required'
          ? 'WHEN_REQUIRED'
          : 'WHEN_SUPPORTED',
    partSize: partMib * MIB,
  }
}

export type S3Sdk = typeof import('@aws-sdk/client-s3')

/**
 * The SDK is CommonJS: bundled by esbuild, a dynamic import gives its exports under `default`;
 * run from source (vitest, tsx) they are on the namespace itself.
 */
export function cjsInterop<T extends object>(mod: T): T {
  const inner = (mod as { default?: T }).default
  return inner !== undefined && typeof inner === 'object' ? inner : mod
}

/**
 * Loads the SDK and builds a client. The SDK is imported here, on first use, and never at
 * start-up: it is several MB of JavaScript that every other command would pay for.
 * Credentials come from the SDK's standard chain (env, shared config/SSO profiles, web identity,
 * container and instance metadata); the region from AWS_REGION or the profile, then
 * AWS_DEFAULT_REGION, then us-east-1 (for emulators the region is only part of the signature).
 */
export async function connect(
  s: S3Settings,
  env: NodeJS.ProcessEnv,
): Promise<{ sdk: S3Sdk; client: S3Client }> {
  // The SDK warns on stderr that its 2027 releases will need Node 22: noise for a cpo user (and
  // for scripts reading stderr), who cannot act on it. Respect an explicit setting.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const sdk = cjsInterop(await import('@aws-sdk/client-s3'))
  const base = {
    forcePathStyle: s.forcePathStyle,
    ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
    ...(s.checksums === undefined
      ? {}
      : { requestChecksumCalculation: s.checksums, responseChecksumValidation: s.checksums }),
    // Without a connect timeout a black-holed endpoint hangs until the OS gives up (minutes).
    requestHandler: { connectionTimeout: 10_000 },
  }
  let client = new sdk.S3Client(base)
  try {
    await client.config.region()
  } catch {
    client.destroy()
    client = new sdk.S3Client({ ...base, region: flag(env.AWS_DEFAULT_REGION) ?? 'us-east-1' })
  }
  return { sdk, client }
}
