import { scrubText } from './scrub-text.js'

/**
 * How requests, replies and errors appear in the log. Fastify logs `{ req }` for every request and
 * `{ res }` when it is answered; its own serializers would write `req.url` whole, query included.
 * A URL is not safe to log here: a magic link's secret is in its query (`/hosted/{id}/confirm?t=…`),
 * a hosted session id in its path is a bearer credential, a host app's user id in a path may be an
 * email address, and providers' GET status callbacks carry the recipient's phone number in the query.
 * So a request is logged by its route template (`/hosted/:session_id/confirm`), never its URL; a
 * request that matched no route (a 404) is logged without any path, since its path is whatever the
 * client typed. Headers, query and body are never logged.
 */
export interface LoggedRequest {
  readonly method: string | undefined
  /** The route template, or null when the request matched no route. */
  readonly route: string | null
  readonly remoteAddress: string | undefined
  readonly remotePort: number | undefined
}

interface RequestLike {
  method?: string
  ip?: string
  routeOptions?: { url?: string }
  socket?: { remoteAddress?: string; remotePort?: number }
}

function serializeRequest(value: unknown): LoggedRequest {
  const request = (typeof value === 'object' && value !== null ? value : {}) as RequestLike
  // A Fastify request knows its route; a raw IncomingMessage logged by mistake has none.
  const route = request.routeOptions?.url
  return {
    method: request.method,
    route: typeof route === 'string' ? route : null,
    remoteAddress: request.ip ?? request.socket?.remoteAddress,
    remotePort: request.socket?.remotePort,
  }
}

function serializeReply(value: unknown): { statusCode: number | undefined } {
  const reply = (typeof value === 'object' && value !== null ? value : {}) as { statusCode?: unknown }
  return { statusCode: typeof reply.statusCode === 'number' ? reply.statusCode : undefined }
}

export interface LoggedError {
  readonly type: string
  readonly message: string
  readonly stack?: string
  readonly code?: string | number
  readonly statusCode?: number
  readonly cause?: LoggedError
  readonly errors?: LoggedError[]
}

/** An error's `code` is logged when it looks like one (`ECONNREFUSED`, `23505`, `FST_ERR_…`), not free text. */
const CODE = /^[\w.-]{1,64}$/

/** How deep causes and aggregated errors are followed. */
const MAX_DEPTH = 3

/**
 * An error as type, message, stack, code and status, its cause and aggregated errors followed a
 * few levels down; message and stack scrubbed of anything sensitive (`scrubText`). Every other
 * property is dropped, because errors carry their input in them: Node's HTTP parser errors hold the
 * raw request bytes (`rawPacket`: URL and Authorization header), PostgreSQL errors the row values
 * (`detail`), nodemailer errors the recipients (`rejected`, `envelope`), AppError its `details`.
 */
export function serializeError(value: unknown, depth = 0): LoggedError {
  if (!(value instanceof Error)) {
    return { type: typeof value, message: scrubText(String(value)) }
  }
  const error = value as Error & { code?: unknown; statusCode?: unknown; errors?: unknown }
  const code =
    (typeof error.code === 'string' && CODE.test(error.code)) || typeof error.code === 'number'
      ? (error.code as string | number)
      : undefined
  const nested = depth < MAX_DEPTH
  return {
    type: error.constructor?.name ?? error.name,
    message: scrubText(error.message),
    ...(error.stack === undefined ? {} : { stack: scrubText(error.stack) }),
    ...(code === undefined ? {} : { code }),
    ...(typeof error.statusCode === 'number' ? { statusCode: error.statusCode } : {}),
    ...(nested && error.cause !== undefined ? { cause: serializeError(error.cause, depth + 1) } : {}),
    ...(nested && Array.isArray(error.errors)
      ? { errors: error.errors.slice(0, 10).map((inner) => serializeError(inner, depth + 1)) }
      : {}),
  }
}

/** The serializers of every Tessera log line, under the keys Fastify and our code log with. */
export const LOG_SERIALIZERS = {
  req: serializeRequest,
  res: serializeReply,
  err: serializeError,
}
