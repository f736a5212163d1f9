import { Type } from '@sinclair/typebox'
import { type CallbackRequest, DeliveryError, type DeliveryErrorKind } from '../delivery-provider.js'
import { field, providerRequest } from '../provider-http.js'
import { isValidTwilioSignature } from './twilio-signature.js'

/** What every Twilio provider needs of an account: who it is, its secret and where its API answers. */
export interface TwilioAccount {
  readonly account_sid: string
  readonly auth_token: string
  readonly base_url: string
}

/** The options fields of a TwilioAccount, for each provider's schema (spread where they belong in its order). */
export const twilioAccountSid = Type.String({ pattern: '^AC[0-9a-fA-F]{32}$', description: 'Account SID (AC…).' })
export const twilioAuthToken = Type.String({
  minLength: 8,
  secret: true,
  description: 'Auth token; also signs status callbacks.',
})
export function twilioBaseUrl(description = 'API endpoint (a regional edge, a proxy, a test server).') {
  return Type.String({ pattern: '^https?://', default: 'https://api.twilio.com', description })
}

/** How a refused or malformed answer is worded and classed, per resource. */
export interface TwilioResourceTerms {
  /** What was refused, in an error message: "message", "WhatsApp message", "call". */
  readonly noun: string
  /** Whose sid was missing from an answer: "message", "call". */
  readonly sidOf: string
  readonly errorKind: (status: number, code: string | undefined) => DeliveryErrorKind
}

/** A created resource: its sid and Twilio's JSON answer (for fields such as the first status). */
export interface TwilioCreated {
  readonly sid: string
  readonly json: unknown
}

/**
 * Creates resources of one kind in the account (POST /2010-04-01/Accounts/{sid}/{resource}.json, form-encoded,
 * HTTP basic auth): answers the new resource's sid, or throws a DeliveryError classed by `terms.errorKind`
 * with Twilio's error code.
 */
export function twilioResource(
  account: TwilioAccount,
  resource: 'Messages' | 'Calls',
  terms: TwilioResourceTerms,
): (form: URLSearchParams, signal: AbortSignal) => Promise<TwilioCreated> {
  const endpoint = `${account.base_url.replace(/\/+$/, '')}/2010-04-01/Accounts/${account.account_sid}/${resource}.json`
  const authorization = `Basic ${Buffer.from(`${account.account_sid}:${account.auth_token}`).toString('base64')}`
  return async (form, signal) => {
    const response = await providerRequest(endpoint, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal,
    })
    if (response.status === 200 || response.status === 201) {
      const sid = field(response.json, 'sid')
      if (!sid) throw new DeliveryError(`Twilio answered without a ${terms.sidOf} sid`, { code: 'bad_response' })
      return { sid, json: response.json }
    }
    const code = field(response.json, 'code') ?? `http_${response.status}`
    throw new DeliveryError(`Twilio refused the ${terms.noun} (HTTP ${response.status}, code ${code})`, {
      kind: terms.errorKind(response.status, code),
      code,
    })
  }
}

/** Whether a status callback was signed by this account (X-Twilio-Signature over the URL and the form). */
export function isSignedByTwilioAccount(request: CallbackRequest, account: TwilioAccount): boolean {
  if (request.params.AccountSid !== undefined && request.params.AccountSid !== account.account_sid) return false
  return isValidTwilioSignature(account.auth_token, request.url, request.params, request.headers['x-twilio-signature'])
}
