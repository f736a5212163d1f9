import type { FastifyError, FastifyInstance } from 'fastify'
import { AppError } from '../errors/app-error.js'
import { isDependencyFailure } from '../errors/dependency-failure.js'
import type { StorageOutage } from './storage-outage.js'

/** A dependency outage is logged once per incident (at most every 30 s), not once per failed request. */
const OUTAGE_LOG_INTERVAL_MS = 30_000

/**
 * The only place errors become responses, always in the contract's shape.
 * AppError messages pass through; Fastify's own 4xx errors map to catalogue
 * codes with our wording; a database that is unreachable or cannot store
 * writes (disk full, read-only, I/O errors: noted in `storageOutage` for
 * readiness) is an outage, answered 503; anything else is logged with its
 * cause and answered as a bare 500 (foreign messages can leak internals).
 */
export function registerErrorHandling(server: FastifyInstance, deps: { storageOutage: StorageOutage }): void {
  let lastOutageLogMs = 0
  server.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const foreign = !(error instanceof AppError)
    const storageFailure = foreign && deps.storageOutage.note(error)
    const outage = storageFailure || (foreign && isDependencyFailure(error))
    const appError = storageFailure
      ? new AppError('service_unavailable', {
          message: 'The database cannot store data (disk full, read-only or failing storage); retry later.',
          details: { failing: 'database' },
        })
      : outage
        ? new AppError('service_unavailable', {
            message: 'The database is not answering; retry later.',
            details: { failing: 'database' },
          })
        : toAppError(error)
    if (outage) {
      const now = Date.now()
      if (now - lastOutageLogMs > OUTAGE_LOG_INTERVAL_MS) {
        lastOutageLogMs = now
        request.log.error(
          { err: error },
          storageFailure
            ? 'database cannot store writes (disk full, read-only or I/O error): answering 503 until writes succeed'
            : 'database unavailable: answering 503 until it is back',
        )
      }
    } else if (appError.status >= 500 && !(error instanceof AppError)) {
      request.log.error({ err: error }, 'unhandled error')
    }
    const retryAfter = appError.details?.retry_after
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter))
    if (appError.headers) void reply.headers(appError.headers)
    return reply.status(appError.status).send(appError.toBody())
  })

  server.setNotFoundHandler((request, reply) => {
    const error = new AppError('not_found', { message: `No route ${request.method} ${request.url.split('?')[0]}.` })
    return reply.status(error.status).send(error.toBody())
  })
}

function toAppError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error
  if (error.validation) {
    return new AppError('invalid_request', { message: describeValidation(error) })
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', { message: 'The request body is larger than 16 KiB.' })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('invalid_request', { message: 'Content-Length does not match the body.' })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_request', { message: 'The JSON body is empty.' })
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError('invalid_request', { message: 'The request body is not valid JSON.' })
  }
  if (error.statusCode === 404) return new AppError('not_found')
  if (error.statusCode === 405) return new AppError('method_not_allowed')
  if (error.statusCode === 413) return new AppError('payload_too_large')
  if (error.statusCode === 415) return new AppError('unsupported_media_type')
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('invalid_request')
  }
  return new AppError('internal_error')
}

function describeValidation(error: FastifyError): string {
  const first = error.validation?.[0]
  if (!first) return 'The request is invalid.'
  const context = error.validationContext ?? 'body'
  const path = first.instancePath ? `${context}${first.instancePath.replaceAll('/', '.')}` : context
  const params = first.params as Record<string, unknown>
  if (first.keyword === 'required') return `${context}.${String(params.missingProperty)} is required.`
  if (first.keyword === 'additionalProperties') {
    return `${path}.${String(params.additionalProperty)} is not a known field.`
  }
  return `${path} ${first.message ?? 'is invalid'}.`
}
