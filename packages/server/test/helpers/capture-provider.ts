import { Type } from '@sinclair/typebox'
import {
  DeliveryError,
  type DeliveryProvider,
  defineDeliveryProvider,
  type OutboundMessage,
} from '../../src/delivery/delivery-provider.js'

export interface CaptureProvider {
  readonly provider: DeliveryProvider<never>
  readonly messages: OutboundMessage[]
  /** The code in the newest message to `to` (the first run of 4–10 code characters after "is"). */
  lastCode(to?: string): string
  /** Make the next sends fail (as a provider outage would). */
  failNext(count?: number): void
}

/** Records messages in memory instead of sending them: for inject() tests only. */
export function createCaptureProvider(): CaptureProvider {
  const messages: OutboundMessage[] = []
  let failures = 0
  const provider = defineDeliveryProvider({
    name: 'capture',
    channels: ['sms', 'email'],
    optionsSchema: Type.Object({}),
    create() {
      return {
        async send(message) {
          if (failures > 0) {
            failures--
            throw new DeliveryError('capture provider told to fail')
          }
          messages.push(message)
          return { provider: 'capture', providerMessageId: `cap_${messages.length}` }
        },
      }
    },
  }) as DeliveryProvider<never>
  return {
    provider,
    messages,
    lastCode(to) {
      const message = [...messages].reverse().find((m) => to === undefined || m.to === to)
      if (!message) throw new Error(`no message captured${to ? ` for ${to}` : ''}`)
      const match = /code is:?\s+([A-Z0-9]{4,10})\b/.exec(message.text)
      if (!match?.[1]) throw new Error('no code in message')
      return match[1]
    },
    failNext(count = 1) {
      failures = count
    },
  }
}
