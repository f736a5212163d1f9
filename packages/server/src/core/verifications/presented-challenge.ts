import { decryptSecret, hmacBase64Url, type ServerKeys } from '../../crypto/secrets.js'
import type { FactorRow } from '../../storage/database.js'
import type { Store } from '../../storage/store.js'
import type { PresentContext, Verifier } from '../../verifiers/verifier.js'
import type { App } from '../app-service.js'

/**
 * A user's stable, opaque id within an app (a keyed HMAC): what a WebAuthn authenticator stores as the user
 * handle. It names the user to nobody without the server key, and the same user always gets the same one.
 */
export function pseudonymOf(serverKeys: ServerKeys, appId: string, userId: string): string {
  return hmacBase64Url(serverKeys.codeHash, `user-handle:${appId}:${userId}`)
}

export function presentContext(serverKeys: ServerKeys, app: App, nowMs: number): PresentContext {
  return {
    settings: app.settings,
    appName: app.name,
    nowMs,
    pseudonymOf: (userId) => pseudonymOf(serverKeys, app.id, userId),
  }
}

/**
 * What the person's device needs for a new challenge of a type with `present` (a passkey's `options`): made from
 * the challenge's one-time code and the user's credentials of the type. Empty for types that deliver codes.
 */
export async function presentChallenge(
  deps: { readonly store: Store; readonly serverKeys: ServerKeys },
  app: App,
  verifier: Verifier,
  challenge: {
    readonly code: string | undefined
    readonly purpose: 'activate' | 'verify'
    readonly userId: string | null
    readonly factorId: string | null
    readonly ttlSeconds: number
    /** A decoy's stand-in factor (uniform_responses): the allow list it shows instead of the user's. */
    readonly decoy?: FactorRow | undefined
  },
  nowMs: number,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  if (!verifier.present || challenge.code === undefined) return undefined
  const unseal = (row: FactorRow) => (row.material === null ? null : decryptSecret(deps.serverKeys, row.material))
  const own = challenge.decoy
    ? [{ ...challenge.decoy, status: 'active' as const }]
    : challenge.userId === null
      ? []
      : (await deps.store.factors.listByUser(app.id, challenge.userId)).filter((row) => row.type === verifier.type)
  const factor = challenge.purpose === 'activate' ? own.find((row) => row.id === challenge.factorId) : undefined
  return verifier.present(
    {
      code: challenge.code,
      purpose: challenge.purpose,
      userId: challenge.userId,
      ...(factor ? { factor: { id: factor.id, label: factor.label, material: unseal(factor) } } : {}),
      credentials: own
        .filter((row) => row.status === 'active')
        .map((row) => ({ id: row.id, identifier: row.identifier, material: unseal(row) })),
      ttlSeconds: challenge.ttlSeconds,
    },
    presentContext(deps.serverKeys, app, nowMs),
  )
}
