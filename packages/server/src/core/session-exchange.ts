import { decryptSecret, encryptSecret, generateSecret, hmacBase64Url, type ServerKeys } from '../crypto/secrets.js'
import { AppError } from '../errors/app-error.js'
import type { Store } from '../storage/store.js'

/**
 * `response_mode: "code"` (docs/api.md): on completion the token stays on the session row, sealed with the
 * server key, and the browser carries only a one-time code; the app's backend exchanges it, with its key,
 * for the token — like OAuth's authorization code (RFC 6749 §4.1.2). The token never reaches the browser's
 * history, a Referer or a proxy's log.
 */

/** How long an exchange code may wait for its exchange, as OAuth advises. */
const EXCHANGE_CODE_TTL_SECONDS = 60

/** What a code-mode session keeps, sealed, between approval and exchange. */
interface SealedToken {
  /** The session it belongs to. */
  readonly sid: string
  readonly token: string
  /** When the token expires (ms). */
  readonly exp: number
}

export interface ExchangedToken {
  readonly token: string
  /** Seconds the token has left. */
  readonly expiresIn: number
  readonly scene: string
  readonly verificationId: string
}

// Bound to the session id like a verification's code hash, with its own label so no other hash matches.
const exchangeCodeHash = (keys: ServerKeys, sessionId: string, code: string) =>
  hmacBase64Url(keys.codeHash, `session-exchange:${sessionId}:${code}`)

/** A new exchange code for a completed session, and what the session row keeps until the exchange. */
export function newExchange(
  keys: ServerKeys,
  sessionId: string,
  token: { token: string; expiresIn: number },
  now: number,
): { code: string; stored: { codeHash: string; expiresAt: number; sealedToken: string } } {
  const code = generateSecret(32)
  const tokenExpiresAt = now + token.expiresIn * 1000
  const sealed: SealedToken = { sid: sessionId, token: token.token, exp: tokenExpiresAt }
  return {
    code,
    stored: {
      codeHash: exchangeCodeHash(keys, sessionId, code),
      // Never outliving the token it stands for (a scene's token_ttl_seconds may be under a minute).
      expiresAt: Math.min(now + EXCHANGE_CODE_TTL_SECONDS * 1000, tokenExpiresAt),
      sealedToken: encryptSecret(keys, JSON.stringify(sealed)),
    },
  }
}

/**
 * The token for a code, once: one conditional UPDATE takes the code and wipes the sealed token. One answer
 * for every refusal (RFC 6749 §5.2 invalid_grant): it must not tell whether a session exists, belongs to
 * another app, or was exchanged already.
 */
export async function exchangeCode(
  deps: { store: Store; serverKeys: ServerKeys },
  appId: string,
  sessionId: string,
  code: string,
  now: number,
): Promise<ExchangedToken> {
  const row = await deps.store.hostedSessions.exchangeCode(
    sessionId,
    appId,
    exchangeCodeHash(deps.serverKeys, sessionId, code),
    now,
  )
  if (!row?.sealedToken || row.verificationId === null) throw new AppError('invalid_grant')
  const sealed = JSON.parse(decryptSecret(deps.serverKeys, row.sealedToken)) as SealedToken
  // The session id inside the sealed value ties the ciphertext to its row: a sealed token copied to another
  // session's row is refused, not handed out.
  if (sealed.sid !== row.id) throw new AppError('invalid_grant')
  return {
    token: sealed.token,
    expiresIn: Math.max(0, Math.floor((sealed.exp - now) / 1000)),
    scene: row.scene,
    verificationId: row.verificationId,
  }
}
