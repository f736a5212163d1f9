import { randomUUID } from 'node:crypto'
import { type Static, Type } from '@sinclair/typebox'
import { renderPlaceholders } from '../../i18n/placeholders.js'
import { DeliveryError, type DeliveryErrorKind, defineDeliveryProvider } from '../delivery-provider.js'
import { digitsOnly, field, providerRequest } from '../provider-http.js'
import { templateFor } from '../templates/provider-template.js'
import { aliyunCanonicalQuery, aliyunSignature } from './aliyun-signature.js'

const AliyunOptionsSchema = Type.Object(
  {
    access_key_id: Type.String({ minLength: 1, maxLength: 128 }),
    access_key_secret: Type.String({ minLength: 1, secret: true }),
    sign_name: Type.String({ minLength: 1, maxLength: 64, description: 'Approved signature (签名), shown in 【】.' }),
    template_code: Type.String({ pattern: '^SMS_[0-9]+$', description: 'Approved template, e.g. SMS_123456789.' }),
    template_codes: Type.Record(
      Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$' }),
      Type.String({ pattern: '^SMS_[0-9]+$' }),
      {
        default: {},
        description: 'Per locale (BCP 47), a template other than template_code; e.g. an English one for en.',
      },
    ),
    template_param: Type.String({
      minLength: 2,
      maxLength: 500,
      default: '{"code":"{code}"}',
      description:
        "TemplateParam JSON with Tessera placeholders ({code}, {app_name}, {minutes}) where the template's variables go.",
    }),
    region_id: Type.String({ minLength: 1, default: 'cn-hangzhou' }),
    base_url: Type.String({ pattern: '^https?://', default: 'https://dysmsapi.aliyuncs.com' }),
  },
  { additionalProperties: false },
)

type AliyunOptions = Static<typeof AliyunOptionsSchema>

/** https://help.aliyun.com/document_detail/101346.html — error codes of SendSms. */
function errorKind(code: string): DeliveryErrorKind {
  if (code === 'isv.MOBILE_NUMBER_ILLEGAL') return 'invalid_recipient'
  // Dysms's per-number flow control (minute/hour/day): another provider may send, and Dysms itself is fine.
  if (code === 'isv.BUSINESS_LIMIT_CONTROL' || code === 'isv.DAY_LIMIT_CONTROL') return 'recipient_limited'
  if (code.startsWith('Throttling') || code === 'isp.SYSTEM_ERROR') return 'unavailable'
  return 'rejected'
}

/** A value escaped to sit inside a JSON string, so it can never break out of it. */
const jsonEscape = (value: string) => JSON.stringify(value).slice(1, -1)

/** Phone numbers as Dysms takes them: mainland China without +86, others as country code + number. */
function dysmsNumber(e164: string): string {
  return e164.startsWith('+86') ? e164.slice(3) : digitsOnly(e164)
}

/**
 * Alibaba Cloud SMS (Dysms) `SendSms`, RPC style: the request's parameters
 * are signed with HMAC-SHA1 and posted form-encoded. Template-based: the
 * text is the approved template's, filled with `template_param`.
 */
export const aliyunProvider = defineDeliveryProvider<AliyunOptions>({
  name: 'aliyun',
  channels: ['sms'],
  optionsSchema: AliyunOptionsSchema,
  validate(options) {
    try {
      const filled = renderPlaceholders(options.template_param, { code: '0', app_name: 'x', minutes: '1' }, jsonEscape)
      const parsed: unknown = JSON.parse(filled)
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
    } catch {
      return 'template_param must be a JSON object once its placeholders are filled'
    }
    return undefined
  },
  create(options, deps) {
    const endpoint = `${options.base_url.replace(/\/+$/, '')}/`
    return {
      async send(message, sendOptions) {
        const params: Record<string, string> = {
          AccessKeyId: options.access_key_id,
          Action: 'SendSms',
          Format: 'JSON',
          OutId: message.verificationId,
          PhoneNumbers: dysmsNumber(message.to),
          RegionId: options.region_id,
          SignName: options.sign_name,
          SignatureMethod: 'HMAC-SHA1',
          SignatureNonce: randomUUID(),
          SignatureVersion: '1.0',
          TemplateCode: templateFor(options.template_codes, message) ?? options.template_code,
          TemplateParam: renderPlaceholders(options.template_param, message.values, jsonEscape),
          Timestamp: new Date(deps.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          Version: '2017-05-25',
        }
        const body = `Signature=${encodeURIComponent(aliyunSignature('POST', params, options.access_key_secret))}&${aliyunCanonicalQuery(params)}`
        const response = await providerRequest(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body,
          signal: sendOptions.signal,
        })
        const code = field(response.json, 'Code')
        if (response.status === 200 && code === 'OK') {
          return { provider: 'aliyun', providerMessageId: field(response.json, 'BizId'), status: 'sent' }
        }
        const errorCode = code ?? `http_${response.status}`
        throw new DeliveryError(`Aliyun refused the message (${errorCode})`, {
          kind: code ? errorKind(code) : response.status >= 500 ? 'unavailable' : 'rejected',
          code: errorCode,
        })
      },
    }
  },
})
