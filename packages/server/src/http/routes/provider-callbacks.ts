import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import type { MessageDelivery } from '../../core/message-delivery.js'
import type { CallbackRequest } from '../../delivery/delivery-provider.js'
import { AppError } from '../../errors/app-error.js'
import { withErrors } from '../schemas.js'

/** Fields of a form, JSON object or query, as strings: what providers sign. */
function stringFields(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out
  for (const [name, field] of Object.entries(value)) {
    if (typeof field === 'string') out[name] = field
    else if (typeof field === 'number' || typeof field === 'boolean') out[name] = String(field)
  }
  return out
}

/**
 * Delivery status callbacks: POST (form or JSON) or GET (query), as each
 * provider sends them. No API key: the provider's own signature is the
 * proof, checked with the credentials of the provider that sent the message.
 * A GET may also be a provider's subscription handshake (Meta's `hub.challenge`),
 * answered in plain text.
 */
export function providerCallbackRoutes(deps: {
  messages: MessageDelivery
  /** TESSERA_PUBLIC_URL: the URL providers were given, which some (Twilio) sign. */
  publicUrl: () => string
}): FastifyPluginAsyncTypebox {
  return async (server) => {
    // Providers sign either the fields (Twilio, Vonage SMS) or the raw body (Meta's X-Hub-Signature-256, Vonage
    // Voice's payload_hash): this scope parses forms and JSON itself and keeps each body as it came.
    // A form's fields are decoded as URLSearchParams decodes them: one string per name (the last, if repeated).
    const rawBodies = new WeakMap<FastifyRequest, string>()
    // This plugin is its own scope: replacing the JSON parser here leaves the API's untouched.
    server.removeContentTypeParser('application/json')
    server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
      rawBodies.set(request, body as string)
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })
    server.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      rawBodies.set(request, body as string)
      try {
        done(null, (body as string).length === 0 ? {} : JSON.parse(body as string))
      } catch {
        done(new AppError('invalid_request', { message: 'The status callback is not valid JSON.' }), undefined)
      }
    })
    const schema = {
      tags: ['providers'],
      summary: 'Delivery status callback from a provider (signed by the provider; no API key)',
      params: Type.Object({ provider: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }) }),
    }
    /** What the handlers read of a request (Fastify's request, typed loosely: each route has its own schema type). */
    type CallbackHttpRequest = {
      params: { provider: string }
      method: string
      url: string
      headers: Record<string, string | string[] | undefined>
      body?: unknown
      query?: unknown
    }
    const callbackOf = (request: CallbackHttpRequest): CallbackRequest => {
      const headers: Record<string, string | undefined> = {}
      for (const [name, value] of Object.entries(request.headers))
        headers[name] = Array.isArray(value) ? value[0] : value
      return {
        url: `${deps.publicUrl().replace(/\/+$/, '')}${request.url}`,
        method: request.method,
        headers,
        params: request.method === 'GET' ? stringFields(request.query) : stringFields(request.body),
        rawBody: rawBodies.get(request as unknown as FastifyRequest) ?? '',
      }
    }
    const handle = async (request: CallbackHttpRequest) => {
      const callback = callbackOf(request)
      if (Object.keys(callback.params).length === 0) {
        throw new AppError('invalid_request', { message: 'The status callback carries no fields.' })
      }
      await deps.messages.receiveStatus(request.params.provider, callback)
    }
    server.post(
      '/v1/providers/:provider/status',
      {
        // built once, not per request: a spread here costs nothing (docs/decisions.md)
        schema: {
          ...schema,
          body: Type.Optional(Type.Object({}, { additionalProperties: true })),
          response: withErrors({ 204: Type.Null() }, 404),
        },
      },
      async (request, reply) => {
        await handle(request)
        return reply.status(204).send()
      },
    )
    server.get(
      '/v1/providers/:provider/status',
      {
        // built once, not per request: a spread here costs nothing (docs/decisions.md)
        schema: {
          ...schema,
          querystring: Type.Object({}, { additionalProperties: true }),
          response: withErrors({ 200: Type.String(), 204: Type.Null() }, 404),
        },
      },
      async (request, reply) => {
        const challenge = await deps.messages.handshake(request.params.provider, callbackOf(request))
        if (challenge !== undefined) return reply.status(200).type('text/plain; charset=utf-8').send(challenge)
        await handle(request)
        return reply.status(204).send()
      },
    )
  }
}
