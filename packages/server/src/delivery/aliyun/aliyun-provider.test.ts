import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ALIYUN, useFakeSmsProviders } from '../../../test/helpers/fake-sms-providers.js'
import { providerDeps, sendOptions, testMessage } from '../../../test/helpers/send-options.js'
import { aliyunProvider } from './aliyun-provider.js'
import { aliyunCanonicalQuery, aliyunSignature } from './aliyun-signature.js'

describe('aliyunSignature', () => {
  // Alibaba Cloud's published SendSms signing example (Dysms "签名机制" documentation).
  const params = {
    AccessKeyId: 'testId',
    Action: 'SendSms',
    Format: 'XML',
    OutId: '123',
    PhoneNumbers: '15300000001',
    RegionId: 'cn-hangzhou',
    SignName: '阿里云短信测试专用',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
    SignatureVersion: '1.0',
    TemplateCode: 'SMS_71390007',
    TemplateParam: '{"customer":"test"}',
    Timestamp: '2017-07-12T02:42:19Z',
    Version: '2017-05-25',
  }

  it("reproduces Alibaba Cloud's published example", () => {
    expect(aliyunCanonicalQuery(params)).toBe(
      'AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25',
    )
    expect(aliyunSignature('GET', params, 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=')
  })
})

const message = testMessage({
  to: '+8613800138000',
  text: 'ignored by template providers',
  verificationId: 'ver_aliyun',
  locale: 'zh-CN',
  values: { code: '482913', app_name: 'Acme "Shop"', minutes: '10' },
})

describe('aliyunProvider against a local Dysms', () => {
  const fakes = useFakeSmsProviders({ beforeAll, afterAll, beforeEach })
  const options = (overrides: Record<string, unknown> = {}) => ({
    access_key_id: ALIYUN.accessKeyId,
    access_key_secret: ALIYUN.accessKeySecret,
    sign_name: '阿里云短信测试',
    template_code: 'SMS_123',
    template_codes: { en: 'SMS_456' },
    template_param: '{"code":"{code}","product":"{app_name}"}',
    region_id: 'cn-hangzhou',
    base_url: `${fakes().url}/aliyun`,
    ...overrides,
  })

  it('signs SendSms, sends the mainland number without +86, the template and its JSON parameters', async () => {
    const receipt = await aliyunProvider.create(options(), providerDeps()).send(message, sendOptions())
    expect(fakes().refusals).toEqual([])
    const sent = fakes().messages[0]
    expect(sent?.fields).toMatchObject({
      PhoneNumbers: '13800138000',
      SignName: '阿里云短信测试',
      TemplateCode: 'SMS_123',
    })
    // Values are JSON-escaped: an app name with quotes cannot break the parameter object.
    expect(JSON.parse(sent?.text ?? '')).toEqual({ code: '482913', product: 'Acme "Shop"' })
    expect(receipt).toEqual({ provider: 'aliyun', providerMessageId: sent?.messageId, status: 'sent' })
  })

  it('picks the template of the message’s locale when one is set, and keeps + digits for other countries', async () => {
    await aliyunProvider
      .create(options(), providerDeps())
      .send({ ...message, locale: 'en', to: '+85291234567' }, sendOptions())
    expect(fakes().messages[0]?.fields).toMatchObject({ TemplateCode: 'SMS_456', PhoneNumbers: '85291234567' })
  })

  it.each([
    ['invalid_number', 'invalid_recipient', 'isv.MOBILE_NUMBER_ILLEGAL'],
    ['rate_limited', 'unavailable', 'isv.BUSINESS_LIMIT_CONTROL'],
    ['server_error', 'unavailable', 'isp.SYSTEM_ERROR'],
  ] as const)('maps %s to %s (%s)', async (behaviour, kind, code) => {
    fakes().behaviour.aliyun = behaviour
    await expect(aliyunProvider.create(options(), providerDeps()).send(message, sendOptions())).rejects.toMatchObject({
      kind,
      code,
    })
  })

  it('is refused by the server when the secret is wrong (signature mismatch → rejected)', async () => {
    const sender = aliyunProvider.create(options({ access_key_secret: 'wrong' }), providerDeps())
    await expect(sender.send(message, sendOptions())).rejects.toMatchObject({
      kind: 'rejected',
      code: 'SignatureDoesNotMatch',
    })
    expect(fakes().refusals).toContain('aliyun: signature')
  })

  it('refuses a template_param that is not a JSON object once filled', () => {
    expect(aliyunProvider.validate?.(options({ template_param: '{code}' }) as never)).toMatch(/JSON object/)
    expect(aliyunProvider.validate?.(options() as never)).toBeUndefined()
  })
})
