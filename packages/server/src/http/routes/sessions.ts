import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { HostedChannel, HostedSessionService } from '../../core/hosted-session-service.js'
import { appOf } from '../plugins/auth.js'
import { IsoTime, iso, withErrors } from '../schemas.js'

const Channel = Type.Union([Type.Literal('sms'), Type.Literal('email')])

const CreateBody = Type.Object(
  {
    channel: Type.Union([Channel, Type.Array(Channel, { minItems: 1, maxItems: 2, uniqueItems: true })], {
      description: '`sms`, `email`, or both (`["sms", "email"]`): the person chooses.',
    }),
    redirect_url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'Where the person goes once verified; must equal one of the app’s settings.redirect_urls.',
    }),
    scene: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,64}$', description: 'Default `verify-identifier`.' })),
    to: Type.Optional(
      Type.String({ minLength: 1, maxLength: 320, description: 'A preset phone number (E.164) or email address.' }),
    ),
    state: Type.Optional(
      Type.String({ maxLength: 512, description: 'Your opaque value, returned on the redirect as `state`.' }),
    ),
    locale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 })),
  },
  { additionalProperties: false },
)

/** POST /v1/sessions: a hosted verification page for one person. */
export function sessionRoutes(service: HostedSessionService, publicUrl: () => string): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/v1/sessions',
      {
        schema: {
          tags: ['sessions'],
          summary: 'Create a hosted verification session; send the person to `url`',
          body: CreateBody,
          response: withErrors(
            {
              201: Type.Object({
                session_id: Type.String(),
                url: Type.String({ description: 'The hosted page to send the person to.' }),
                expires_at: IsoTime,
              }),
            },
            404,
          ),
        },
      },
      async (request, reply) => {
        const body = request.body
        const channels: HostedChannel[] = Array.isArray(body.channel) ? body.channel : [body.channel]
        const session = await service.create(appOf(request), {
          channels,
          redirectUrl: body.redirect_url,
          scene: body.scene,
          to: body.to,
          state: body.state,
          locale: body.locale,
        })
        return reply.status(201).send({
          session_id: session.id,
          url: `${publicUrl()}/hosted/${session.id}`,
          expires_at: iso(session.expiresAt),
        })
      },
    )
  }
}
