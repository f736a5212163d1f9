import type { FastifyPluginAsync } from 'fastify'
import type { SigningKeyRing } from '../../../core/signing-key-ring.js'
import { signingKeysPage } from '../pages/signing-keys-page.js'
import { page, pageOf, renderErrors, see } from '../signed-in.js'

const DONE = {
  rotated: 'New signing key active. Older keys stay published while their tokens live.',
  revoked: 'Key revoked: it left the JWKS and its tokens are refused.',
} as const

/** The token signing keys: rotate, and revoke one (the admin API's operations, as forms). */
export function signingKeysRoutes(deps: {
  keyRing: Pick<SigningKeyRing, 'list' | 'rotate' | 'revoke'>
}): FastifyPluginAsync {
  const { keyRing } = deps
  return async (scope) => {
    renderErrors(scope, async (reply, error, ctx) =>
      page(
        reply,
        ctx,
        signingKeysPage(ctx, await keyRing.list(), { kind: 'error', text: error.message }),
        error.status,
      ),
    )

    scope.get<{ Querystring: { done?: string } }>(
      '/signing-keys',
      { schema: { hide: true } },
      async (request, reply) => {
        const ctx = pageOf(request)
        const done = request.query.done
        const message = done === 'rotated' || done === 'revoked' ? { kind: 'ok' as const, text: DONE[done] } : undefined
        return page(reply, ctx, signingKeysPage(ctx, await keyRing.list(), message))
      },
    )

    scope.post('/signing-keys/rotate', { schema: { hide: true } }, async (_request, reply) => {
      await keyRing.rotate()
      return see(reply, '/console/signing-keys?done=rotated')
    })

    scope.post<{ Params: { kid: string } }>(
      '/signing-keys/:kid/revoke',
      { schema: { hide: true } },
      async (request, reply) => {
        await keyRing.revoke(request.params.kid)
        return see(reply, '/console/signing-keys?done=revoked')
      },
    )
  }
}
