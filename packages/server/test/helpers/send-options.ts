import type { ProviderDeps, SendOptions } from '../../src/delivery/delivery-provider.js'

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
