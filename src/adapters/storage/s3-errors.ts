import { CpoError } from '../../errors.js'

interface SdkError {
  name?: string
  code?: string
  message?: string
  errors?: SdkError[]
  $metadata?: { httpStatusCode?: number }
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
])
const DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
])

/** The error's code, also when Node wraps several connection attempts in an AggregateError. */
function networkCode(e: SdkError): string | undefined {
  if (e.code && NETWORK.has(e.code)) return e.code
  if (e.name === 'TimeoutError') return 'ETIMEDOUT'
  return e.errors?.map(networkCode).find((c) => c !== undefined)
}

export const statusOf = (e: unknown): number | undefined =>
  (e as SdkError | undefined)?.$metadata?.httpStatusCode

export const isNotFound = (e: unknown): boolean => {
  const name = (e as SdkError | undefined)?.name
  return (
    name === 'NoSuchKey' || name === 'NotFound' || (statusOf(e) === 404 && name !== 'NoSuchBucket')
  )
}

/** A conditional write lost (If-None-Match: * on a key that exists, or a concurrent one). */
export const isPreconditionFailed = (e: unknown): boolean =>
  statusOf(e) === 412 ||
  statusOf(e) === 409 ||
  (e as SdkError | undefined)?.name === 'PreconditionFailed'

/**
 * Turns whatever the SDK threw into a CpoError a person can act on. Every S3 failure is an
 * `external` one: the store, the network or the account is at fault, not the input.
 */
export function s3Error(action: string, location: string, e: unknown): CpoError {
  if (e instanceof CpoError) return e
  const err = (e ?? {}) as SdkError
  const detail = err.message ? `: ${err.message}` : ''
  const net = networkCode(err)
  if (net) {
    return new CpoError(
      'STORE_UNREACHABLE',
      'external',
      `could not ${action}: the S3 endpoint is unreachable (${net})`,
      {
        hint: 'Check CPO_S3_ENDPOINT / AWS_ENDPOINT_URL_S3, the network, and that the server is running.',
        cause: e,
      },
    )
  }
  if (err.name === 'NoSuchBucket') {
    return new CpoError(
      'STORE_BUCKET_MISSING',
      'external',
      `could not ${action}: the bucket of ${location} does not exist`,
      {
        hint: 'Create the bucket first (cpo never creates one), or fix the name, region or endpoint.',
        cause: e,
      },
    )
  }
  if (err.name === 'CredentialsProviderError' || /could not load credentials/i.test(detail)) {
    return new CpoError(
      'STORE_NO_CREDENTIALS',
      'external',
      `could not ${action}: no AWS credentials found`,
      {
        hint: 'Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or AWS_PROFILE for a profile in ~/.aws/.',
        cause: e,
      },
    )
  }
  if ((err.name && DENIED.has(err.name)) || statusOf(e) === 403) {
    return new CpoError(
      'STORE_ACCESS_DENIED',
      'external',
      `could not ${action}: access denied by ${location} (${err.name ?? 'HTTP 403'})`,
      {
        hint: 'Check the credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE) and that their policy allows s3:ListBucket, GetObject, PutObject and DeleteObject on this bucket and prefix.',
        cause: e,
      },
    )
  }
  return new CpoError('STORE_S3_FAILED', 'external', `could not ${action}${detail}`, {
    hint: 'The S3 server refused the request; run again, or check its logs and the endpoint settings.',
    cause: e,
  })
}
