// The ceiling: bare Fastify with one POST route that validates a JSON body
// shaped like a start request and answers a JSON object of about the size of
// a start answer, through a response schema (as Tessera's routes do). No
// logger, no plugins, no storage.
//
//   node packages/server/bin/run-ts.js packages/server/bench/bare-fastify.ts

import Fastify from 'fastify'

const server = Fastify({ logger: false })

const body = {
  type: 'object',
  required: ['to'],
  additionalProperties: false,
  properties: {
    channel: { type: 'string', enum: ['sms', 'email'] },
    to: { type: 'string', minLength: 1, maxLength: 320 },
    custom_code: { type: 'string', maxLength: 64 },
  },
} as const

const answer = {
  type: 'object',
  properties: {
    verification_id: { type: 'string' },
    status: { type: 'string' },
    channel: { type: 'string' },
    to: { type: 'string' },
    scene: { type: 'string' },
    expires_at: { type: 'string' },
    expires_in: { type: 'integer' },
    attempts_remaining: { type: 'integer' },
    sends_remaining: { type: 'integer' },
    resend_available_at: { type: 'string' },
  },
} as const

let counter = 0
server.post<{ Body: { channel?: string; to: string; custom_code?: string } }>(
  '/v1/verifications',
  { schema: { body, response: { 201: answer } } },
  async (request, reply) => {
    const now = new Date()
    const expires = new Date(now.getTime() + 600_000).toISOString()
    return reply.status(201).send({
      verification_id: `ver_${(counter++).toString(36).padStart(26, '0')}`,
      status: 'pending',
      channel: request.body.channel ?? 'email',
      to: request.body.to.replace(/^(.).*@/, '$1***@'),
      scene: 'verify-identifier',
      expires_at: expires,
      expires_in: 600,
      attempts_remaining: 5,
      sends_remaining: 19,
      resend_available_at: now.toISOString(),
    })
  },
)

const address = await server.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`bare Fastify listening on ${address}\n`)
const stop = () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
