import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { SigningKeyRing, SigningKeySummary } from '../../../core/signing-key-ring.js'
import { iso, isoOrNull, withErrors } from '../../schemas.js'

const SigningKeySchema = Type.Object({
  kid: Type.String(),
  algorithm: Type.String(),
  status: Type.Union(
    ['active', 'retired', 'revoked'].map((status) => Type.Literal(status)),
    {
      description:
        '`active` may sign; `retired` was rotated out and stays published while its tokens live; `revoked` is withdrawn.',
    },
  ),
  published: Type.Boolean({ description: 'In the JWKS now.' }),
  signing: Type.Boolean({ description: 'The key the answering instance signs with.' }),
  created_at: Type.String({ format: 'date-time' }),
  retired_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

function present(key: SigningKeySummary) {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    status: key.status,
    published: key.published,
    signing: key.signing,
    created_at: iso(key.createdAt),
    retired_at: isoOrNull(key.retiredAt),
    revoked_at: isoOrNull(key.revokedAt),
  }
}

/** The token signing keys: list, rotate, revoke (operators; admin key). */
export function adminSigningKeyRoutes(keyRing: SigningKeyRing): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.get(
      '/admin/v1/signing-keys',
      {
        schema: {
          tags: ['admin'],
          summary: 'List the token signing keys, newest first (public facts only)',
          response: withErrors({ 200: Type.Object({ keys: Type.Array(SigningKeySchema) }) }),
        },
      },
      async () => ({ keys: (await keyRing.list()).map(present) }),
    )

    server.post(
      '/admin/v1/signing-keys/rotate',
      {
        schema: {
          tags: ['admin'],
          summary: 'Start signing tokens with a new key; old keys stay in the JWKS while their tokens live',
          response: withErrors({ 200: Type.Object({ kid: Type.String() }) }),
        },
      },
      async () => ({ kid: await keyRing.rotate() }),
    )

    server.post(
      '/admin/v1/signing-keys/:kid/revoke',
      {
        schema: {
          tags: ['admin'],
          summary: 'Revoke a signing key now: it leaves the JWKS and its tokens answer inactive (`revoked`)',
          description:
            'Revoking the active key first makes a new key active (`replaced_by`), so tokens keep being issued.',
          params: Type.Object({ kid: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) }),
          response: withErrors(
            {
              200: Type.Object({
                kid: Type.String(),
                revoked_at: Type.String({ format: 'date-time' }),
                replaced_by: Type.Union([Type.String(), Type.Null()], {
                  description: 'The new active key, when the revoked one was active.',
                }),
              }),
            },
            404,
          ),
        },
      },
      async (request) => {
        const revoked = await keyRing.revoke(request.params.kid)
        return { kid: revoked.kid, revoked_at: iso(revoked.revokedAt), replaced_by: revoked.replacedBy }
      },
    )
  }
}
