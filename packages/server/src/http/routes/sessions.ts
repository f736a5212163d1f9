import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { CHANNEL_NAMES } from '../../channels/built-in-channels.js'
import type { HostedSessionService } from '../../core/hosted-session-service.js'
import { AppError } from '../../errors/app-error.js'
import type { VerifierRegistry } from '../../verifiers/verifier-registry.js'
import { ChannelNameSchema } from '../channel-schema.js'
import { appOf } from '../plugins/auth.js'
import { IsoTime, iso, withErrors } from '../schemas.js'
import { UserId } from './factors.js'

/** The body: channels, and the ceremony types (passkeys) the registry has, which a session may offer beside them. */
function createBody(verifiers: VerifierRegistry) {
  const ceremonies = verifiers.ceremonyTypes()
  const Channel =
    ceremonies.length === 0
      ? ChannelNameSchema
      : Type.Union([ChannelNameSchema, ...ceremonies.map((type) => Type.Literal(type))])
  return Type.Object(
    {
      channel: Type.Optional(
        Type.Union(
          [
            Channel,
            Type.Array(Channel, { minItems: 1, maxItems: CHANNEL_NAMES.length + ceremonies.length, uniqueItems: true }),
          ],
          {
            description: `One channel (${[...CHANNEL_NAMES, ...ceremonies].join(', ')}) or several: the person chooses (a ceremony type, such as passkey, is offered first, the channels as its fallback). Required unless purpose is enroll.`,
          },
        ),
      ),
      purpose: Type.Optional(
        Type.Union([Type.Literal('verify'), Type.Literal('enroll')], {
          description:
            '`verify` (default): prove a channel or a passkey. `enroll`: add a factor of `type` to `user_id` (a page that asks for a step-up first when the user already has a factor); the redirect carries `factor_id`.',
        }),
      ),
      type: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 32,
          description: `enroll: the type to add (${ceremonies.join(', ')}).`,
        }),
      ),
      user_id: Type.Optional(UserId),
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
      response_mode: Type.Optional(
        Type.Union([Type.Literal('token'), Type.Literal('code')], {
          description:
            '`token` (default): the redirect carries `verification_token`. `code`: it carries a one-time `code` ' +
            '(60 s, single use) that your backend exchanges at `POST /v1/sessions/{session_id}/exchange`.',
        }),
      ),
    },
    { additionalProperties: false },
  )
}

const SessionId = Type.String({ minLength: 1, maxLength: 64 })

/** POST /v1/sessions: a hosted verification page for one person; and the exchange of its code for the token. */
export function sessionRoutes(
  service: HostedSessionService,
  publicUrl: () => string,
  verifiers: VerifierRegistry,
): FastifyPluginAsyncTypebox {
  const CreateBody = createBody(verifiers)
  return async (server) => {
    server.post(
      '/v1/sessions',
      {
        config: { idempotent: true },
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
                response_mode: Type.Union([Type.Literal('token'), Type.Literal('code')]),
              }),
            },
            404,
          ),
        },
      },
      async (request, reply) => {
        const body = request.body
        const purpose = body.purpose ?? 'verify'
        if (
          (purpose === 'enroll') !== (body.type !== undefined) ||
          (purpose === 'verify' && body.channel === undefined)
        ) {
          throw new AppError('invalid_request', {
            message: 'Send channel to verify, or purpose "enroll" with type and user_id.',
          })
        }
        const channels: string[] =
          body.type !== undefined ? [body.type] : Array.isArray(body.channel) ? body.channel : [body.channel ?? '']
        const session = await service.create(appOf(request), {
          channels,
          purpose,
          userId: body.user_id,
          redirectUrl: body.redirect_url,
          scene: body.scene,
          to: body.to,
          state: body.state,
          locale: body.locale,
          responseMode: body.response_mode,
        })
        return reply.status(201).send({
          session_id: session.id,
          url: `${publicUrl()}/hosted/${session.id}`,
          expires_at: iso(session.expiresAt),
          response_mode: session.responseMode,
        })
      },
    )

    server.post(
      '/v1/sessions/:session_id/exchange',
      {
        schema: {
          tags: ['sessions'],
          summary: 'Exchange the one-time code of a `response_mode: "code"` session for its verification token',
          params: Type.Object({ session_id: SessionId }),
          body: Type.Object(
            {
              code: Type.String({
                minLength: 1,
                maxLength: 128,
                description: 'The `code` the redirect carried; works once, for 60 seconds.',
              }),
            },
            { additionalProperties: false },
          ),
          response: withErrors({
            200: Type.Object({
              verification_token: Type.String(),
              expires_in: Type.Integer({ description: 'Seconds the token has left.' }),
              scene: Type.String(),
              verification_id: Type.String(),
            }),
          }),
        },
      },
      async (request, reply) => {
        const exchanged = await service.exchange(appOf(request), request.params.session_id, request.body.code)
        // A token answer is not for any cache (RFC 6749 §5.1).
        return reply.header('cache-control', 'no-store').send({
          verification_token: exchanged.token,
          expires_in: exchanged.expiresIn,
          scene: exchanged.scene,
          verification_id: exchanged.verificationId,
        })
      },
    )
  }
}
