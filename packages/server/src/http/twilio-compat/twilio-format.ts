import { accountSidOf } from '../../core/account-sid.js'
import type { VerifyService } from '../../core/verify-services/verify-service-options.js'
import type { ServiceVerification } from '../../core/verify-services/verify-services.js'

/** Twilio writes times as ISO 8601 in UTC to the second: `2026-12-03T13:20:00Z`. */
export function twilioDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`
}

/** A service as Twilio's API answers it. `base` is this server's public URL. */
export function presentService(service: VerifyService, base: string) {
  const url = `${base}/v2/Services/${service.sid}`
  const { options } = service
  return {
    sid: service.sid,
    account_sid: accountSidOf(service.appId),
    friendly_name: service.friendlyName,
    code_length: options.code_length,
    lookup_enabled: options.lookup_enabled,
    psd2_enabled: options.psd2_enabled,
    skip_sms_to_landlines: options.skip_sms_to_landlines,
    dtmf_input_required: options.dtmf_input_required,
    tts_name: options.tts_name,
    mailer_sid: null,
    do_not_share_warning_enabled: options.do_not_share_warning_enabled,
    custom_code_enabled: options.custom_code_enabled,
    push: { include_date: false, apn_credential_sid: null, fcm_credential_sid: null },
    totp: { issuer: null, time_step: 30, code_length: 6, skew: 1 },
    whatsapp: { msg_service_sid: null, from: null },
    default_template_sid: options.default_template_sid,
    verify_event_subscription_enabled: options.verify_event_subscription_enabled,
    date_created: twilioDate(service.createdAt),
    date_updated: twilioDate(service.updatedAt),
    url,
    links: {
      verifications: `${url}/Verifications`,
      verification_checks: `${url}/VerificationCheck`,
    },
  }
}

/** A verification as Twilio's API answers it, plus `tessera_verification_id` (the same verification in /v1). */
export function presentVerification(verification: ServiceVerification, appId: string, base: string) {
  return {
    sid: verification.sid,
    service_sid: verification.serviceSid,
    account_sid: accountSidOf(appId),
    to: verification.to,
    channel: verification.channel,
    status: verification.status,
    valid: verification.valid,
    lookup: {},
    amount: null,
    payee: null,
    send_code_attempts: verification.sendAttempts.map((attempt) => ({
      attempt_sid: attempt.sid,
      channel: attempt.channel,
      time: twilioDate(attempt.time),
    })),
    date_created: twilioDate(verification.createdAt),
    date_updated: twilioDate(verification.updatedAt),
    sna: null,
    url: `${base}/v2/Services/${verification.serviceSid}/Verifications/${verification.sid}`,
    tessera_verification_id: verification.verificationId,
  }
}

/** A verification check as Twilio's API answers it. */
export function presentCheck(verification: ServiceVerification, appId: string) {
  return {
    sid: verification.sid,
    service_sid: verification.serviceSid,
    account_sid: accountSidOf(appId),
    to: verification.to,
    channel: verification.channel,
    status: verification.status,
    valid: verification.valid,
    amount: null,
    payee: null,
    sna_attempts_error_codes: [],
    date_created: twilioDate(verification.createdAt),
    date_updated: twilioDate(verification.updatedAt),
    tessera_verification_id: verification.verificationId,
  }
}

/** Twilio's paging `meta` for a list at `path` (e.g. `/v2/Services`) whose answer lists under `key`. */
export function pagingMeta(input: {
  base: string
  path: string
  key: string
  page: number
  pageSize: number
  hasNext: boolean
}) {
  const pageUrl = (page: number) => `${input.base}${input.path}?PageSize=${input.pageSize}&Page=${page}`
  return {
    page: input.page,
    page_size: input.pageSize,
    first_page_url: pageUrl(0),
    previous_page_url: input.page > 0 ? pageUrl(input.page - 1) : null,
    url: pageUrl(input.page),
    next_page_url: input.hasNext ? pageUrl(input.page + 1) : null,
    key: input.key,
  }
}
