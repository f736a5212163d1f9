import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FactorView } from '../../core/factor.js'
import type { FactorService } from '../../core/factor-service.js'
import type { VerifierRegistry } from '../../verifiers/verifier-registry.js'
import { appOf } from '../plugins/auth.js'
import { iso, isoOrNull, withErrors } from '../schemas.js'
import { presentVerification, VerificationSchema } from './verifications.js'

/** Host apps' user ids: any printable text without slashes or whitespace, up to 128 characters. */
export const UserId = Type.String({ pattern: '^[^\\s/\\u0000-\\u001f\\u007f]{1,128}$', description: 'Your user’s id.' })
const FactorId = Type.String({ minLength: 1, maxLength: 64 })
const SCENE_PATTERN = '^[a-z0-9-]{1,64}$'

/** A factor as the API shows it, with the fields its type adds (`viewFields`: backup codes left). */
export function factorSchema(verifiers: VerifierRegistry) {
  return Type.Object(
    {
      factor_id: Type.String(),
      user_id: Type.String(),
      type: Type.String({ description: verifiers.types().join(', ') }),
      status: Type.Union([Type.Literal('pending'), Type.Literal('active')]),
      to: Type.Union([Type.String(), Type.Null()], {
        description: 'The masked identifier, for types that deliver codes.',
      }),
      label: Type.Union([Type.String(), Type.Null()]),
      created_at: Type.String({ format: 'date-time' }),
      last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      locked_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      flagged_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'When a check flagged the factor for review (a passkey whose sign counter went backwards).',
      }),
      flag_reason: Type.Union([Type.String(), Type.Null()], { description: 'Why: `counter_regression`.' }),
      ...verifiers.viewFields,
    },
    { $id: 'Factor' },
  )
}

export function presentFactor(factor: FactorView) {
  return {
    factor_id: factor.id,
    user_id: factor.userId,
    type: factor.type,
    status: factor.status,
    to: factor.toMasked,
    label: factor.label,
    created_at: iso(factor.createdAt),
    last_used_at: isoOrNull(factor.lastUsedAt),
    locked_until: isoOrNull(factor.lockedUntil),
    flagged_at: isoOrNull(factor.flaggedAt),
    flag_reason: factor.flagReason,
    ...factor.details,
  }
}

/** The bind body: the type, each registered type's own fields (`bindFields`), and the delivery context. */
function bindBody(verifiers: VerifierRegistry) {
  return Type.Object(
    {
      type: Type.String({ minLength: 1, maxLength: 32, description: `One of ${verifiers.types().join(', ')}.` }),
      ...verifiers.bindFields,
      locale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 })),
      client_ip: Type.Optional(Type.String({ anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }], maxLength: 45 })),
    },
    { additionalProperties: false },
  )
}

export function factorRoutes(service: FactorService, verifiers: VerifierRegistry): FastifyPluginAsyncTypebox {
  const BindBody = bindBody(verifiers)
  const Factor = factorSchema(verifiers)
  // A challenge answers the verification and what the person's device needs to answer it (a passkey's `options`).
  const challengeAnswer = Type.Object({ ...VerificationSchema.properties, ...verifiers.challengeFields })
  return async (server) => {
    server.post(
      '/v1/users/:user_id/factors',
      {
        config: { idempotent: true },
        schema: {
          tags: ['factors'],
          summary: 'Bind a factor to a user',
          description:
            'The body carries the type and that type’s own fields (each field names the types that take it). A type that delivers codes sends one and answers its verification_id; the factor stays pending until that code (or, for an authenticator, a first code) activates it. What a type reveals at binding (an authenticator’s secret and QR code, backup codes) is answered once. When the user already has an active factor of a type that proves the user (password, authenticator, backup codes), the bind needs a step-up token of that user (from one of their own factors) in X-Verification-Token, else 403 forbidden; the first bind of a type needs none.',
          params: Type.Object({ user_id: UserId }),
          headers: Type.Object({ 'x-verification-token': Type.Optional(Type.String({ maxLength: 8192 })) }),
          body: BindBody,
          response: withErrors(
            {
              201: Type.Composite([
                Factor,
                Type.Object({ verification_id: Type.Optional(Type.String()), ...verifiers.revealFields }),
              ]),
            },
            404,
            502,
          ),
        },
      },
      async (request, reply) => {
        const { type, locale, client_ip, ...fields } = request.body
        const bound = await service.bind(appOf(request), request.params.user_id, {
          type,
          fields,
          locale,
          clientIp: client_ip,
          stepUpToken: request.headers['x-verification-token'],
        })
        return reply
          .status(201)
          .send(
            Object.assign(
              presentFactor(bound.factor),
              bound.verification ? { verification_id: bound.verification.id } : {},
              bound.reveal,
            ),
          )
      },
    )

    server.get(
      '/v1/users/:user_id/factors',
      {
        schema: {
          tags: ['factors'],
          summary: 'List a user’s factors (identifiers masked, no secrets)',
          params: Type.Object({ user_id: UserId }),
          response: withErrors({ 200: Type.Object({ factors: Type.Array(Type.Ref('Factor')) }) }),
        },
      },
      async (request) => ({
        factors: (await service.list(appOf(request), request.params.user_id)).map(presentFactor),
      }),
    )

    server.post(
      '/v1/users/:user_id/factors/:factor_id/activate',
      {
        schema: {
          tags: ['factors'],
          summary: 'Activate a pending factor with its first code (or, for a passkey, its credential)',
          params: Type.Object({ user_id: UserId, factor_id: FactorId }),
          body: Type.Object(
            {
              verification_code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
              ...verifiers.answerFields,
            },
            { additionalProperties: false },
          ),
          response: withErrors(
            { 200: Type.Object({ factor_id: Type.String(), status: Type.Literal('active'), type: Type.String() }) },
            404,
            409,
            410,
            423,
          ),
        },
      },
      async (request) => {
        const { verification_code, ...fields } = request.body
        const result = await service.activate(appOf(request), request.params.user_id, request.params.factor_id, {
          code: verification_code,
          fields,
        })
        return { factor_id: result.factor.id, status: 'active' as const, type: result.factor.type }
      },
    )

    server.patch(
      '/v1/users/:user_id/factors/:factor_id',
      {
        schema: {
          tags: ['factors'],
          summary: 'Rename a factor (the name shown in the user’s list: a passkey’s “Work laptop”)',
          params: Type.Object({ user_id: UserId, factor_id: FactorId }),
          body: Type.Object(
            { name: Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' }) },
            { additionalProperties: false },
          ),
          response: withErrors({ 200: Type.Ref('Factor') }, 404),
        },
      },
      async (request) =>
        presentFactor(
          await service.rename(appOf(request), request.params.user_id, request.params.factor_id, request.body.name),
        ),
    )

    server.delete(
      '/v1/users/:user_id/factors/:factor_id',
      {
        schema: {
          tags: ['factors'],
          summary: 'Remove a factor; needs a step-up token of the same user in X-Verification-Token',
          params: Type.Object({ user_id: UserId, factor_id: FactorId }),
          headers: Type.Object({ 'x-verification-token': Type.Optional(Type.String({ maxLength: 8192 })) }),
          response: withErrors({ 204: Type.Null() }, 404),
        },
      },
      async (request, reply) => {
        await service.remove(appOf(request), request.params.user_id, request.params.factor_id, {
          kind: 'step-up-token',
          token: request.headers['x-verification-token'],
        })
        return reply.status(204).send()
      },
    )

    server.post(
      '/v1/users/:user_id/challenges',
      {
        config: { idempotent: true },
        schema: {
          tags: ['factors'],
          summary: 'Start a verification against a bound factor in a scene',
          description:
            'By factor_id, or by type (the user’s most recently used active factor of that type). sms/email send a code; then check with POST /v1/verifications/verify.',
          params: Type.Object({ user_id: UserId }),
          body: Type.Object(
            {
              scene: Type.String({ pattern: SCENE_PATTERN }),
              factor_id: Type.Optional(FactorId),
              type: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
              locale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 })),
              client_ip: Type.Optional(Type.String({ anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }], maxLength: 45 })),
            },
            { additionalProperties: false },
          ),
          response: withErrors({ 201: challengeAnswer }, 404, 423, 502),
        },
      },
      async (request, reply) => {
        const view = await service.challenge(appOf(request), request.params.user_id, {
          scene: request.body.scene,
          factorId: request.body.factor_id,
          type: request.body.type,
          locale: request.body.locale,
          clientIp: request.body.client_ip,
        })
        return reply.status(201).send({ ...presentVerification(view), ...view.reveal })
      },
    )

    const discoverable = verifiers.discoverableTypes()
    server.post(
      '/v1/challenges',
      {
        schema: {
          tags: ['factors'],
          summary: 'Start a verification without a user (a usernameless passkey sign-in)',
          description: `For types whose credential names its user (${discoverable.join(', ') || 'none registered'}): the answer carries the device's options without an allow list; POST /v1/verifications/verify then answers the token and the user_id the credential belongs to.`,
          body: Type.Object(
            {
              scene: Type.String({ pattern: SCENE_PATTERN }),
              type: Type.String({ minLength: 1, maxLength: 32, description: discoverable.join(', ') }),
              locale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 })),
              client_ip: Type.Optional(Type.String({ anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }], maxLength: 45 })),
            },
            { additionalProperties: false },
          ),
          response: withErrors({ 201: challengeAnswer }, 403),
        },
      },
      async (request, reply) => {
        const view = await service.challengeDiscoverable(appOf(request), {
          scene: request.body.scene,
          type: request.body.type,
          locale: request.body.locale,
          clientIp: request.body.client_ip,
        })
        return reply.status(201).send({ ...presentVerification(view), ...view.reveal })
      },
    )
  }
}
