import type { OutboundMessage, ProviderDeps, SendOptions } from '../../src/delivery/delivery-provider.js'

/** What the chain hands a sender: a deadline and where status callbacks go. */
export function sendOptions(timeoutMs = 5000, provider = 'test'): SendOptions {
  return {
    signal: AbortSignal.timeout(timeoutMs),
    statusCallbackUrl: `http://tessera.test/v1/providers/${provider}/status`,
  }
}

export function providerDeps(nowMs: () => number = Date.now): ProviderDeps {
  return { writeDevelopmentOutput: () => undefined, nodeEnv: 'test', nowMs }
}

/** A rendered message as the chain hands it to a sender; tests override what they look at. */
export function testMessage(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    channel: 'sms',
    to: '+14155552671',
    subject: '',
    text: 'Your Acme verification code is 482913.',
    html: '',
    verificationId: 'ver_test',
    locale: 'en',
    values: { code: '482913', app_name: 'Acme', minutes: '10' },
    ...overrides,
  }
}
