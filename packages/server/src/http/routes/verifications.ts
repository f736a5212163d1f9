import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { CHANNEL_NAMES, findChannel } from '../../channels/built-in-channels.js'
import type { VerificationView } from '../../core/verification.js'
import type { VerificationService } from '../../core/verification-service.js'
import { AppError } from '../../errors/app-error.js'
import type { VerifierRegistry } from '../../verifiers/verifier-registry.js'
import { ChannelNameSchema } from '../channel-schema.js'
import { appOf } from '../plugins/auth.js'
import { IsoTime, iso, isoOrNull, NullableIsoTime, withErrors } from '../schemas.js'

const SCENE_PATTERN = '^[a-z0-9-]{1,64}$'
const VerificationId = Type.String({ minLength: 1, maxLength: 64, description: 'A `ver_…` id.' })

export const VerificationSchema = Type.Object(
  {
    verification_id: Type.String(),
    status: Type.Union(
      ['pending', 'approved', 'expired', 'canceled', 'max_attempts_reached'].map((s) => Type.Literal(s)),
    ),
    channel: Type.String({ description: 'The verification type: sms, email, totp, password, backup-code.' }),
    type: Type.String({ description: 'Same as channel.' }),
    to: Type.Union([Type.String(), Type.Null()], {
      description: 'The identifier, masked; null for types that deliver nothing.',
    }),
    factor_id: Type.Union([Type.String(), Type.Null()], {
      description: 'The factor this verification proves, if any.',
    }),
    scene: Type.String(),
    user_id: Type.Union([Type.String(), Type.Null()]),
    locale: Type.Union([Type.String(), Type.Null()]),
    metadata: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    created_at: IsoTime,
    expires_at: IsoTime,
    expires_in: Type.Integer({ description: 'Seconds until expiry (0 once over).' }),
    attempts: Type.Integer(),
    attempts_remaining: Type.Integer(),
    sends: Type.Integer(),
    sends_remaining: Type.Integer(),
    resend_available_at: NullableIsoTime,
    approved_at: NullableIsoTime,
    test: Type.Boolean({
      description:
        'True for a verification to one of the app’s `test_recipients`: nothing was sent and only the fixed code approves it.',
    }),
    verification_token: Type.Optional(
      Type.String({
        description:
          'Once, on the first read after an approval made through the Twilio-compatible API (whose check answers no token): the verification token (docs/twilio-compat.md).',
      }),
    ),
    verification_token_expires_in: Type.Optional(Type.Integer({ description: 'Seconds the token has left.' })),
    deliveries: Type.Optional(
      Type.Array(
        Type.Object({
          provider: Type.String({ description: 'The provider that tried: twilio, vonage, smtp, …' }),
          status: Type.Union(['queued', 'sent', 'delivered', 'undelivered', 'failed'].map((s) => Type.Literal(s))),
          provider_message_id: Type.Union([Type.String(), Type.Null()]),
          error_code: Type.Union([Type.String(), Type.Null()], {
            description: 'The provider’s error code, or timeout.',
          }),
          at: IsoTime,
        }),
        { description: 'Every delivery attempt, oldest first (on GET of one verification).' },
      ),
    ),
  },
  { $id: 'Verification' },
)

/** The API form of a verification view. */
export function presentVerification(view: VerificationView) {
  return {
    verification_id: view.id,
    status: view.status,
    channel: view.channel,
    type: view.channel,
    to: view.toMasked,
    factor_id: view.factorId,
    scene: view.scene,
    user_id: view.userId,
    locale: view.locale,
    metadata: view.metadata,
    created_at: iso(view.createdAt),
    expires_at: iso(view.expiresAt),
    expires_in: view.expiresInSeconds,
    attempts: view.attempts,
    attempts_remaining: view.attemptsRemaining,
    sends: view.sends,
    sends_remaining: view.sendsRemaining,
    resend_available_at: isoOrNull(view.resendAvailableAt),
    approved_at: isoOrNull(view.approvedAt),
    test: view.test,
    ...(view.deliveries
      ? {
          deliveries: view.deliveries.map((delivery) => ({
            provider: delivery.provider,
            status: delivery.status,
            provider_message_id: delivery.providerMessageId,
            error_code: delivery.errorCode,
            at: iso(delivery.at),
          })),
        }
      : {}),
  }
}

const StartBody = Type.Object(
  {
    channel: Type.Optional(ChannelNameSchema),
    verifier: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: `A verifier name: ${CHANNEL_NAMES.join(', ')}.` }),
    ),
    to: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 320,
        description: 'E.164 phone number or email address (required unless factor_id names the factor).',
      }),
    ),
    factor_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'One of user_id’s active phone or email factors to verify. In 2fa, step-up and scenes with require_factor, a verification for a user must use one of that user’s factors (this, or a to the user has bound).',
      }),
    ),
    scene: Type.Optional(Type.String({ pattern: SCENE_PATTERN, description: 'Default `verify-identifier`.' })),
    locale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 })),
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    client_ip: Type.Optional(Type.String({ anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }], maxLength: 45 })),
    custom_code: Type.Optional(Type.String({ maxLength: 64, description: 'Only where the app allows custom codes.' })),
    metadata: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'Your own data, echoed back.' }),
    ),
  },
  { additionalProperties: false },
)

export function verificationRoutes(
  service: VerificationService,
  verifiers: VerifierRegistry,
): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/v1/verifications',
      {
        config: { idempotent: true },
        schema: {
          tags: ['verifications'],
          summary: 'Start a verification: send a one-time code',
          body: StartBody,
          response: withErrors({ 201: Type.Ref('Verification') }, 502),
        },
      },
      async (request, reply) => {
        const body = request.body
        const channel = body.channel ?? body.verifier
        if (body.factor_id === undefined) {
          if (channel === undefined) throw new AppError('invalid_request', { message: 'body.channel is required.' })
          if (body.to === undefined) throw new AppError('invalid_request', { message: 'body.to is required.' })
        }
        if (channel !== undefined && !findChannel(channel)) {
          throw new AppError('channel_not_enabled', { message: `No verifier named "${channel}" sends codes.` })
        }
        if (body.channel !== undefined && body.verifier !== undefined && body.channel !== body.verifier) {
          throw new AppError('invalid_request', { message: 'body.channel and body.verifier disagree.' })
        }
        const view = await service.start(appOf(request), {
          channel,
          to: body.to,
          factorId: body.factor_id,
          scene: body.scene,
          locale: body.locale,
          userId: body.user_id,
          clientIp: body.client_ip,
          customCode: body.custom_code,
          metadata: body.metadata,
        })
        return reply.status(201).send(presentVerification(view))
      },
    )

    server.post(
      '/v1/verifications/:verification_id/resend',
      {
        config: { idempotent: true },
        schema: {
          tags: ['verifications'],
          summary: 'Send a new code; the previous one stops working',
          params: Type.Object({ verification_id: VerificationId }),
          body: Type.Optional(
            Type.Object(
              {
                channel: Type.Optional(ChannelNameSchema),
                custom_code: Type.Optional(Type.String({ maxLength: 64 })),
              },
              { additionalProperties: false },
            ),
          ),
          response: withErrors({ 200: Type.Ref('Verification') }, 404, 409, 410, 502),
        },
      },
      async (request) => {
        const view = await service.resend(appOf(request), request.params.verification_id, {
          channel: request.body?.channel,
          customCode: request.body?.custom_code,
        })
        return presentVerification(view)
      },
    )

    server.post(
      '/v1/verifications/verify',
      {
        schema: {
          tags: ['verifications'],
          summary: 'Check a code; answers a verification token on success',
          body: Type.Object(
            {
              verification_id: VerificationId,
              // Long enough for a password (8–256 characters; the bind body allows 1024 too).
              verification_code: Type.Optional(
                Type.String({ minLength: 1, maxLength: 1024, description: 'The code, TOTP or password.' }),
              ),
              // Types answered by the person's device instead (a passkey's `credential`).
              ...verifiers.answerFields,
            },
            { additionalProperties: false },
          ),
          response: withErrors(
            {
              200: Type.Object({
                verification_id: Type.String(),
                status: Type.Literal('approved'),
                verification_token: Type.Optional(
                  Type.String({ description: 'Absent when the verification activated a factor.' }),
                ),
                expires_in: Type.Optional(Type.Integer({ description: 'Token lifetime, seconds.' })),
                scene: Type.String(),
                factor_id: Type.Union([Type.String(), Type.Null()]),
                user_id: Type.Union([Type.String(), Type.Null()], {
                  description: 'The user proven; for a usernameless passkey sign-in, the credential’s user.',
                }),
                factor_status: Type.Optional(Type.Literal('active')),
                // What the type's check adds (backup codes left: `checkFields`).
                ...verifiers.checkFields,
              }),
            },
            423,
            404,
            409,
            410,
          ),
        },
      },
      async (request) => {
        const { verification_id, verification_code, ...fields } = request.body
        const result = await service.check(appOf(request), {
          verificationId: verification_id,
          code: verification_code,
          fields,
        })
        return {
          verification_id: result.verificationId,
          status: 'approved' as const,
          ...(result.token ? { verification_token: result.token.token, expires_in: result.token.expiresIn } : {}),
          scene: result.scene,
          factor_id: result.factorId,
          user_id: result.userId,
          ...(result.purpose === 'activate' ? { factor_status: 'active' as const } : {}),
          ...result.details,
        }
      },
    )

    server.get(
      '/v1/verifications/:verification_id',
      {
        schema: {
          tags: ['verifications'],
          summary: 'Status and counters of a verification (never the code)',
          params: Type.Object({ verification_id: VerificationId }),
          response: withErrors({ 200: Type.Ref('Verification') }, 404),
        },
      },
      async (request) => {
        const app = appOf(request)
        const view = presentVerification(await service.get(app, request.params.verification_id))
        const held = await service.takeHeldToken(app, view.verification_id)
        return held
          ? Object.assign(view, { verification_token: held.token, verification_token_expires_in: held.expiresIn })
          : view
      },
    )

    server.post(
      '/v1/verifications/:verification_id/cancel',
      {
        schema: {
          tags: ['verifications'],
          summary: 'Cancel a pending verification',
          params: Type.Object({ verification_id: VerificationId }),
          response: withErrors({ 200: Type.Ref('Verification') }, 404, 409, 410),
        },
      },
      async (request) => presentVerification(await service.cancel(appOf(request), request.params.verification_id)),
    )
  }
}
