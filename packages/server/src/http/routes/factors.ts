import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FactorView } from '../../core/factor.js'
import type { FactorService } from '../../core/factor-service.js'
import { appOf } from '../plugins/auth.js'
import { iso, isoOrNull, withErrors } from '../schemas.js'
import { presentVerification } from './verifications.js'

/** Host apps' user ids: any printable text without slashes or whitespace, up to 128 characters. */
export const UserId = Type.String({ pattern: '^[^\\s/\\u0000-\\u001f\\u007f]{1,128}$', description: 'Your user’s id.' })
const FactorId = Type.String({ minLength: 1, maxLength: 64 })
const SCENE_PATTERN = '^[a-z0-9-]{1,64}$'

export const FactorSchema = Type.Object(
  {
    factor_id: Type.String(),
    user_id: Type.String(),
    type: Type.String({ description: 'sms, email, totp, password, backup-code' }),
    status: Type.Union([Type.Literal('pending'), Type.Literal('active')]),
    to: Type.Union([Type.String(), Type.Null()], { description: 'Masked phone or email, for sms/email.' }),
    label: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    locked_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    backup_codes_remaining: Type.Optional(Type.Integer()),
  },
  { $id: 'Factor' },
)

export function presentFactor(factor: FactorView & { backupCodesRemaining?: number }) {
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
    ...(factor.backupCodesRemaining === undefined ? {} : { backup_codes_remaining: factor.backupCodesRemaining }),
  }
}

const BindBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 32, description: 'sms, email, totp, password or backup-code.' }),
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'sms/email: the phone or address.' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'password: 8–256 characters.' })),
    account_name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'totp: the label in the authenticator.' }),
    ),
    secret: Type.Optional(
      Type.String({ minLength: 16, maxLength: 160, description: 'totp import: an existing base32 secret.' }),
    ),
    algorithm: Type.Optional(Type.Union([Type.Literal('SHA1'), Type.Literal('SHA256'), Type.Literal('SHA512')])),
    digits: Type.Optional(Type.Integer({ minimum: 6, maximum: 8 })),
    period: Type.Optional(Type.Integer({ minimum: 15, maximum: 120 })),
    locale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 })),
    client_ip: Type.Optional(Type.String({ anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }], maxLength: 45 })),
  },
  { additionalProperties: false },
)

export function factorRoutes(service: FactorService): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/v1/users/:user_id/factors',
      {
        schema: {
          tags: ['factors'],
          summary: 'Bind a factor to a user',
          description:
            'totp answers secret, otpauth_uri and qr_svg and stays pending until activated; sms/email send a code (verification_id) and stay pending; password is active at once; backup-code answers ten codes once and replaces an earlier set. When the user already has an active factor of the type, the bind needs a step-up token of that user (from one of their own factors) in X-Verification-Token, else 403 forbidden; the first bind of a type needs none.',
          params: Type.Object({ user_id: UserId }),
          headers: Type.Object({ 'x-verification-token': Type.Optional(Type.String({ maxLength: 8192 })) }),
          body: BindBody,
          response: withErrors(
            {
              201: Type.Composite([
                FactorSchema,
                Type.Object({
                  verification_id: Type.Optional(Type.String()),
                  secret: Type.Optional(Type.String()),
                  otpauth_uri: Type.Optional(Type.String()),
                  qr_svg: Type.Optional(Type.String()),
                  algorithm: Type.Optional(Type.String()),
                  digits: Type.Optional(Type.Integer()),
                  period: Type.Optional(Type.Integer()),
                  codes: Type.Optional(Type.Array(Type.String())),
                }),
              ]),
            },
            404,
            502,
          ),
        },
      },
      async (request, reply) => {
        const body = request.body
        const bound = await service.bind(appOf(request), request.params.user_id, {
          type: body.type,
          to: body.to,
          password: body.password,
          accountName: body.account_name,
          secret: body.secret,
          algorithm: body.algorithm,
          digits: body.digits,
          period: body.period,
          locale: body.locale,
          clientIp: body.client_ip,
          stepUpToken: request.headers['x-verification-token'],
        })
        return reply.status(201).send({
          ...presentFactor({
            ...bound.factor,
            ...(bound.backupCodesRemaining === undefined ? {} : { backupCodesRemaining: bound.backupCodesRemaining }),
          }),
          ...(bound.verification ? { verification_id: bound.verification.id } : {}),
          ...bound.reveal,
        })
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
          summary: 'Activate a pending factor with its first code',
          params: Type.Object({ user_id: UserId, factor_id: FactorId }),
          body: Type.Object(
            { verification_code: Type.String({ minLength: 1, maxLength: 64 }) },
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
        const result = await service.activate(
          appOf(request),
          request.params.user_id,
          request.params.factor_id,
          request.body.verification_code,
        )
        return { factor_id: result.factor.id, status: 'active' as const, type: result.factor.type }
      },
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
          response: withErrors({ 201: Type.Ref('Verification') }, 404, 423, 502),
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
        return reply.status(201).send(presentVerification(view))
      },
    )
  }
}
