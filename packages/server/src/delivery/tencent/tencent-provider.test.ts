import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { TENCENT, useFakeSmsProviders } from '../../../test/helpers/fake-sms-providers.js'
import { providerDeps, sendOptions, testMessage } from '../../../test/helpers/send-options.js'
import { tencentProvider } from './tencent-provider.js'
import { tc3Authorization } from './tencent-signature.js'

describe('tc3Authorization', () => {
  // Tencent Cloud's published TC3-HMAC-SHA256 example ("Signature v3", CVM DescribeInstances).
  it("reproduces Tencent Cloud's published example", () => {
    const result = tc3Authorization({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      service: 'cvm',
      host: 'cvm.tencentcloudapi.com',
      contentType: 'application/json; charset=utf-8',
      payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
      timestampSeconds: 1551113065,
    })
    expect(result.canonicalRequestHash).toBe('5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031')
    expect(result.signature).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168')
    expect(result.authorization).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    )
  })
})

const message = testMessage({
  to: '+8613800138000',
  text: 'ignored by template providers',
  verificationId: 'ver_tencent',
  locale: 'zh-CN',
})

describe('tencentProvider against a local Tencent Cloud SMS', () => {
  const fakes = useFakeSmsProviders({ beforeAll, afterAll, beforeEach })
  const options = (overrides: Record<string, unknown> = {}) => ({
    secret_id: TENCENT.secretId,
    secret_key: TENCENT.secretKey,
    sms_sdk_app_id: '1400006666',
    sign_name: '腾讯云',
    template_id: '449739',
    template_ids: {},
    template_params: ['{code}', '{minutes}'],
    region: 'ap-guangzhou',
    base_url: `${fakes().url}/tencent/`,
    ...overrides,
  })

  it('signs SendSms with TC3 and sends the number, app id, sign, template and its parameters', async () => {
    const receipt = await tencentProvider.create(options(), providerDeps()).send(message, sendOptions())
    expect(fakes().refusals).toEqual([])
    const sent = fakes().messages[0]
    expect(sent?.fields).toMatchObject({
      PhoneNumberSet: ['+8613800138000'],
      SmsSdkAppId: '1400006666',
      SignName: '腾讯云',
      TemplateId: '449739',
      TemplateParamSet: ['482913', '10'],
      SessionContext: 'ver_tencent',
    })
    expect(receipt).toEqual({ provider: 'tencent', providerMessageId: sent?.messageId, status: 'sent' })
  })

  it.each([
    ['invalid_number', 'invalid_recipient', 'InvalidParameterValue.IncorrectPhoneNumber'],
    ['rate_limited', 'unavailable', 'LimitExceeded.PhoneNumberThirtySecondLimit'],
    ['server_error', 'unavailable', 'InternalError.Timeout'],
  ] as const)('maps %s to %s (%s)', async (behaviour, kind, code) => {
    fakes().behaviour.tencent = behaviour
    await expect(tencentProvider.create(options(), providerDeps()).send(message, sendOptions())).rejects.toMatchObject({
      kind,
      code,
    })
  })

  it('is refused with AuthFailure.SignatureFailure (rejected) when the secret key is wrong', async () => {
    const sender = tencentProvider.create(options({ secret_key: 'wrong' }), providerDeps())
    await expect(sender.send(message, sendOptions())).rejects.toMatchObject({
      kind: 'rejected',
      code: 'AuthFailure.SignatureFailure',
    })
  })
})
