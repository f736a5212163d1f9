import formBody from '@fastify/formbody'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { MessageDelivery } from '../../core/message-delivery.js'
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
 */
export function providerCallbackRoutes(deps: {
  messages: MessageDelivery
  /** TESSERA_PUBLIC_URL: the URL providers were given, which some (Twilio) sign. */
  publicUrl: () => string
}): FastifyPluginAsyncTypebox {
  return async (server) => {
    // Twilio posts application/x-www-form-urlencoded; this scope alone accepts it. Providers sign each field
    // once, decoded as URLSearchParams decodes it: one string per name (the last, if one were repeated).
    await server.register(formBody, { parser: (body) => Object.fromEntries(new URLSearchParams(body)) })
    const schema = {
      tags: ['providers'],
      summary: 'Delivery status callback from a provider (signed by the provider; no API key)',
      params: Type.Object({ provider: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }) }),
      response: withErrors({ 204: Type.Null() }, 404),
    }
    const handle = async (request: {
      params: { provider: string }
      method: string
      url: string
      headers: Record<string, string | string[] | undefined>
      body?: unknown
      query?: unknown
    }) => {
      const headers: Record<string, string | undefined> = {}
      for (const [name, value] of Object.entries(request.headers))
        headers[name] = Array.isArray(value) ? value[0] : value
      const params = request.method === 'GET' ? stringFields(request.query) : stringFields(request.body)
      if (Object.keys(params).length === 0) {
        throw new AppError('invalid_request', { message: 'The status callback carries no fields.' })
      }
      await deps.messages.receiveStatus(request.params.provider, {
        url: `${deps.publicUrl().replace(/\/+$/, '')}${request.url}`,
        method: request.method,
        headers,
        params,
        rawBody: typeof request.body === 'string' ? request.body : '',
      })
    }
    server.post(
      '/v1/providers/:provider/status',
      { schema: { ...schema, body: Type.Optional(Type.Object({}, { additionalProperties: true })) } },
      async (request, reply) => {
        await handle(request)
        return reply.status(204).send()
      },
    )
    server.get(
      '/v1/providers/:provider/status',
      { schema: { ...schema, querystring: Type.Object({}, { additionalProperties: true }) } },
      async (request, reply) => {
        await handle(request)
        return reply.status(204).send()
      },
    )
  }
}
