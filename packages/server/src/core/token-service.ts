import { generateId, hmacBase64Url, type ServerKeys } from '../crypto/secrets.js'
import type { NewToken } from '../storage/database.js'
import type { Store } from '../storage/store.js'
import type { Clock } from './clock.js'
import type { EventInput, EventLog } from './event-log.js'
import type { SigningKeyRing } from './signing-key-ring.js'

export interface IssueTokenInput {
  readonly appId: string
  readonly verificationId: string
  readonly scene: string
  readonly channel: string
  /** Normalised identifier. */
  readonly identifier: string
  readonly userId: string | null
  /** The factor whose challenge this proves, if any. */
  readonly factorId: string | null
  readonly ttlSeconds: number
}

export interface IssuedToken {
  readonly token: string
  readonly expiresIn: number
}

/** A token signed but not yet stored: `row` is what makes it one of ours (TokenService.sign). */
export interface SignedToken extends IssuedToken {
  readonly row: NewToken
}

export type Introspection =
  | {
      readonly active: true
      readonly verificationId: string
      readonly scene: string
      readonly channel: string
      readonly identifier: string
      readonly userId: string | null
      readonly factorId: string | null
      /** What was proven: the verification type (`sms`, `totp`, `password`…), as an `amr`-style list. */
      readonly amr: readonly string[]
      readonly issuedAt: number
      readonly expiresAt: number
    }
  | { readonly active: false; readonly reason: InactiveReason }

/** `revoked`: signed with a key an operator revoked (`tessera signing-keys revoke`). */
export type InactiveReason = 'invalid' | 'expired' | 'consumed' | 'scene_mismatch' | 'revoked'

export interface TokenService {
  /**
   * Signs a token without storing it: the caller inserts `row` with the change it proves (the approval's
   * conditional update, `approveAndIssue`), and gives the token out only once that committed; a token whose
   * row was never stored is not ours (introspection finds no row).
   */
  sign(input: IssueTokenInput): SignedToken
  introspect(
    appId: string,
    token: string,
    options: { scene?: string | undefined; consume: boolean },
  ): Promise<Introspection>
}

/**
 * Verification tokens are EdDSA JWTs any holder of the JWKS can check
 * offline. Tessera itself recognises its tokens by a keyed hash stored at
 * issue: introspection is one indexed lookup, with no signature verification
 * on the hot path, and a token from elsewhere (or altered by one bit) is
 * simply not found. The hash also makes consumption a single conditional update.
 */
export function createTokenService(deps: {
  store: Store
  clock: Clock
  keyRing: SigningKeyRing
  serverKeys: ServerKeys
  /** The `iss` claim: the public URL, known for sure only once the server listens (PORT=0). */
  issuer: () => string
  events: EventLog
}): TokenService {
  const hashToken = (token: string) => hmacBase64Url(deps.serverKeys.tokenHash, token)

  const sign = (input: IssueTokenInput): SignedToken => {
    const now = deps.clock.nowMs()
    const iat = Math.floor(now / 1000)
    const exp = iat + input.ttlSeconds
    const jti = generateId('tok', 16, now)
    const token = deps.keyRing.signJwt({
      iss: deps.issuer(),
      aud: input.appId,
      ...(input.userId === null ? {} : { sub: input.userId }),
      scene: input.scene,
      vid: input.verificationId,
      jti,
      channel: input.channel,
      // What was proven, in the spirit of OIDC's `amr`: the verification type, and the factor when one was used.
      amr: [input.channel],
      ...(input.factorId === null ? {} : { factor_id: input.factorId }),
      ...(input.identifier === '' ? {} : { to: input.identifier }),
      iat,
      exp,
    })
    const row: NewToken = {
      id: jti,
      appId: input.appId,
      verificationId: input.verificationId,
      tokenHash: hashToken(token),
      scene: input.scene,
      channel: input.channel,
      identifier: input.identifier,
      userId: input.userId,
      factorId: input.factorId,
      issuedAt: iat * 1000,
      expiresAt: exp * 1000,
      consumedAt: null,
    }
    return { token, expiresIn: input.ttlSeconds, row }
  }

  return {
    sign,
    async introspect(appId, token, options) {
      const refuse = async (reason: InactiveReason, verificationId?: string) => {
        await deps.events.record({ appId, kind: 'token.refused', verificationId, details: { reason } })
        return { active: false, reason } as const
      }
      // Tokens are short ASCII strings; anything else cannot be one of ours.
      if (token.length > 4096) return refuse('invalid')
      const tokenHash = hashToken(token)
      // The token row does not name its key; the protected header does. Read in parallel with the row, so a
      // revocation made on any instance counts at once for one primary-key read and no extra round trip.
      const kid = kidOf(token)
      const [row, revoked] = await Promise.all([
        // Scoped to the calling app: another app's token is "invalid", never "exists elsewhere".
        deps.store.tokens.findByHash(appId, tokenHash),
        kid === undefined ? false : deps.keyRing.isRevoked(kid),
      ])
      if (!row) return refuse('invalid')
      // The stored hash proved the token is one we issued, so its header (the kid) is the one we wrote.
      if (revoked) return refuse('revoked', row.verificationId)
      const now = deps.clock.nowMs()
      if (Number(row.expiresAt) <= now) return refuse('expired', row.verificationId)
      if (row.consumedAt !== null) return refuse('consumed', row.verificationId)
      if (options.scene !== undefined && options.scene !== row.scene)
        return refuse('scene_mismatch', row.verificationId)
      if (options.consume) {
        // The consumption and its event commit together (the outbox).
        const consumed: EventInput = {
          appId,
          kind: 'token.consumed',
          verificationId: row.verificationId,
          userId: row.userId,
          scene: row.scene,
          channel: row.channel,
        }
        const won = await deps.events.recordIf([consumed], (events) =>
          deps.store.tokens.consume(appId, tokenHash, now, events),
        )
        if (!won) return refuse('consumed', row.verificationId)
      }
      return {
        active: true,
        verificationId: row.verificationId,
        scene: row.scene,
        channel: row.channel,
        identifier: row.identifier,
        userId: row.userId,
        factorId: row.factorId,
        amr: [row.channel],
        issuedAt: Number(row.issuedAt),
        expiresAt: Number(row.expiresAt),
      }
    },
  }
}

/** The `kid` of a compact JWS's protected header, or undefined when the token does not have one. */
function kidOf(token: string): string | undefined {
  const dot = token.indexOf('.')
  // Our headers are about 80 characters; anything much longer was not written by us.
  if (dot <= 0 || dot > 512) return undefined
  // A handful of keys write every header: each is parsed once.
  const encoded = token.slice(0, dot)
  const known = kidByHeader.get(encoded)
  if (known !== undefined) return known
  const kid = parseKid(encoded)
  if (kid !== undefined && kidByHeader.size < 64) kidByHeader.set(encoded, kid)
  return kid
}

const kidByHeader = new Map<string, string>()

function parseKid(encoded: string): string | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))
    if (typeof header !== 'object' || header === null) return undefined
    const kid = (header as { kid?: unknown }).kid
    return typeof kid === 'string' && kid.length > 0 && kid.length <= 64 ? kid : undefined
  } catch {
    return undefined
  }
}
