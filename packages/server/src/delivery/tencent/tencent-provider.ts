import { type Static, Type } from '@sinclair/typebox'
import { renderPlaceholders } from '../../i18n/placeholders.js'
import { DeliveryError, type DeliveryErrorKind, defineDeliveryProvider } from '../delivery-provider.js'
import { field, providerRequest } from '../provider-http.js'
import { templateFor } from '../templates/provider-template.js'
import { tc3Authorization } from './tencent-signature.js'

const TencentOptionsSchema = Type.Object(
  {
    secret_id: Type.String({ minLength: 1, maxLength: 128 }),
    secret_key: Type.String({ minLength: 1, secret: true }),
    sms_sdk_app_id: Type.String({ pattern: '^[0-9]{5,20}$', description: 'SmsSdkAppId of the SMS application.' }),
    sign_name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Approved signature; required for mainland China numbers.',
      }),
    ),
    template_id: Type.String({ pattern: '^[0-9]{1,20}$', description: 'Approved template id.' }),
    template_ids: Type.Record(
      Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$' }),
      Type.String({ pattern: '^[0-9]{1,20}$' }),
      {
        default: {},
        description: 'Per locale (BCP 47), a template other than template_id.',
      },
    ),
    template_params: Type.Array(Type.String({ maxLength: 100 }), {
      maxItems: 10,
      default: ['{code}', '{minutes}'],
      description: "TemplateParamSet, in the template's {1}, {2}… order, with Tessera placeholders.",
    }),
    region: Type.String({ minLength: 1, default: 'ap-guangzhou' }),
    base_url: Type.String({ pattern: '^https?://', default: 'https://sms.tencentcloudapi.com' }),
  },
  { additionalProperties: false },
)

type TencentOptions = Static<typeof TencentOptionsSchema>

const CONTENT_TYPE = 'application/json; charset=utf-8'

/** https://www.tencentcloud.com/document/product/382/40693 — SendSms error codes. */
function errorKind(code: string): DeliveryErrorKind {
  if (
    code === 'InvalidParameterValue.IncorrectPhoneNumber' ||
    code === 'FailedOperation.PhoneNumberInBlacklist' ||
    code === 'FailedOperation.PhoneNumberParseFail'
  )
    return 'invalid_recipient'
  // Tencent's per-number flow control: another provider may send, and Tencent itself is fine.
  if (code.startsWith('LimitExceeded.PhoneNumber')) return 'recipient_limited'
  if (code.startsWith('LimitExceeded') || code.startsWith('InternalError') || code === 'RequestLimitExceeded')
    return 'unavailable'
  return 'rejected'
}

/**
 * Tencent Cloud SMS `SendSms` (API 2021-01-11): a JSON POST signed with
 * TC3-HMAC-SHA256. Template-based: the text is the approved template's,
 * filled with `template_params`. Each number has its own status in the answer.
 */
export const tencentProvider = defineDeliveryProvider<TencentOptions>({
  name: 'tencent',
  channels: ['sms'],
  optionsSchema: TencentOptionsSchema,
  create(options, deps) {
    const endpoint = new URL(options.base_url)
    return {
      async send(message, sendOptions) {
        const payload = JSON.stringify({
          PhoneNumberSet: [message.to],
          SmsSdkAppId: options.sms_sdk_app_id,
          ...(options.sign_name ? { SignName: options.sign_name } : {}),
          TemplateId: templateFor(options.template_ids, message) ?? options.template_id,
          TemplateParamSet: options.template_params.map((param) => renderPlaceholders(param, message.values)),
          SessionContext: message.verificationId,
        })
        const timestampSeconds = Math.floor(deps.nowMs() / 1000)
        const { authorization } = tc3Authorization({
          secretId: options.secret_id,
          secretKey: options.secret_key,
          service: 'sms',
          host: endpoint.host,
          contentType: CONTENT_TYPE,
          payload,
          timestampSeconds,
        })
        const response = await providerRequest(endpoint.href, {
          method: 'POST',
          headers: {
            authorization,
            'content-type': CONTENT_TYPE,
            'x-tc-action': 'SendSms',
            'x-tc-version': '2021-01-11',
            'x-tc-timestamp': String(timestampSeconds),
            'x-tc-region': options.region,
          },
          body: payload,
          signal: sendOptions.signal,
        })
        const answer = (response.json as { Response?: { Error?: unknown; SendStatusSet?: unknown[] } } | undefined)
          ?.Response
        const requestError = field(answer?.Error, 'Code')
        if (requestError) {
          throw new DeliveryError(`Tencent Cloud refused the request (${requestError})`, {
            kind: errorKind(requestError),
            code: requestError,
          })
        }
        const status = answer?.SendStatusSet?.[0]
        if (response.status !== 200 || status === undefined) {
          throw new DeliveryError(`Tencent Cloud answered HTTP ${response.status}`, {
            kind: response.status >= 500 || response.status === 429 ? 'unavailable' : 'rejected',
            code: `http_${response.status}`,
          })
        }
        const code = field(status, 'Code') ?? ''
        if (code !== 'Ok') {
          throw new DeliveryError(`Tencent Cloud refused the message (${code})`, { kind: errorKind(code), code })
        }
        return { provider: 'tencent', providerMessageId: field(status, 'SerialNo'), status: 'sent' }
      },
    }
  },
})
