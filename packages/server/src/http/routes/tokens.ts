import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { TokenService } from '../../core/token-service.js'
import { appOf } from '../plugins/auth.js'
import { iso, withErrors } from '../schemas.js'

const IntrospectionSchema = Type.Union([
  Type.Object({
    active: Type.Literal(true),
    verification_id: Type.String(),
    scene: Type.String(),
    channel: Type.String(),
    to: Type.Union([Type.String(), Type.Null()], {
      description: 'The verified identifier, normalised; null for types that have none (totp, password, backup-code).',
    }),
    factor_id: Type.Union([Type.String(), Type.Null()], { description: 'The factor the token proves, if any.' }),
    amr: Type.Array(Type.String(), {
      description:
        'What was proven (amr-style): the verification type, e.g. ["totp"], ["password"], or a channel name.',
    }),
    user_id: Type.Union([Type.String(), Type.Null()]),
    issued_at: Type.String({ format: 'date-time' }),
    expires_at: Type.String({ format: 'date-time' }),
  }),
  Type.Object({
    active: Type.Literal(false),
    reason: Type.Union(
      ['invalid', 'expired', 'consumed', 'scene_mismatch', 'revoked'].map((r) => Type.Literal(r)),
      { description: '`revoked`: the key that signed the token was revoked by an operator.' },
    ),
  }),
])

export function tokenRoutes(service: TokenService): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/v1/tokens/verify',
      {
        schema: {
          tags: ['tokens'],
          summary: 'Introspect (and optionally consume) a verification token',
          body: Type.Object(
            {
              verification_token: Type.String({ minLength: 1, maxLength: 8192 }),
              scene: Type.Optional(
                Type.String({ pattern: '^[a-z0-9-]{1,64}$', description: 'Must match the token’s scene.' }),
              ),
              consume: Type.Optional(
                Type.Boolean({ default: false, description: 'Single use: a second consume is inactive.' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: withErrors({ 200: IntrospectionSchema }),
        },
      },
      async (request) => {
        const result = await service.introspect(appOf(request).id, request.body.verification_token, {
          scene: request.body.scene,
          consume: request.body.consume ?? false,
        })
        if (!result.active) return { active: false as const, reason: result.reason }
        return {
          active: true as const,
          verification_id: result.verificationId,
          scene: result.scene,
          channel: result.channel,
          to: result.identifier === '' ? null : result.identifier,
          factor_id: result.factorId,
          amr: [...result.amr],
          user_id: result.userId,
          issued_at: iso(result.issuedAt),
          expires_at: iso(result.expiresAt),
        }
      },
    )
  }
}
