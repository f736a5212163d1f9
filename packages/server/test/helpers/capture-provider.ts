import { Type } from '@sinclair/typebox'
import { CHANNEL_NAMES } from '../../src/channels/built-in-channels.js'
import {
  DeliveryError,
  type DeliveryErrorKind,
  type DeliveryProvider,
  defineDeliveryProvider,
  type OutboundMessage,
} from '../../src/delivery/delivery-provider.js'

export interface CaptureProvider {
  readonly provider: DeliveryProvider<never>
  readonly messages: OutboundMessage[]
  /** The code in the newest message to `to` (as the template placed it in the text). */
  lastCode(to?: string): string
  /** The code in the newest message of one verification (whatever spelling of `to` it was started with). */
  codeOf(verificationId: string): string
  /** Make the next sends fail (as a provider outage would; `invalid_recipient`: as a landline number would). */
  failNext(count?: number, kind?: DeliveryErrorKind): void
  /** Holds every send until the returned function is called (a slow provider: the request stays in flight). */
  hold(): () => void
}

/** Records messages in memory instead of sending them: for inject() tests only. */
export function createCaptureProvider(): CaptureProvider {
  const messages: OutboundMessage[] = []
  let failures = 0
  let failureKind: DeliveryErrorKind = 'unavailable'
  let held: Promise<void> | undefined
  const provider = defineDeliveryProvider({
    name: 'capture',
    channels: CHANNEL_NAMES,
    optionsSchema: Type.Object({}),
    internal: true,
    create() {
      return {
        async send(message) {
          if (held) await held
          if (failures > 0) {
            failures--
            throw new DeliveryError('capture provider told to fail', { kind: failureKind })
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
      if (!message.text.includes(message.values.code)) throw new Error('the message text does not show its code')
      return message.values.code
    },
    codeOf(verificationId) {
      const message = [...messages].reverse().find((m) => m.verificationId === verificationId)
      if (!message) throw new Error(`no message captured for ${verificationId}`)
      if (!message.text.includes(message.values.code)) throw new Error('the message text does not show its code')
      return message.values.code
    },
    failNext(count = 1, kind = 'unavailable') {
      failures = count
      failureKind = kind
    },
    hold() {
      let release = () => {}
      held = new Promise<void>((resolve) => {
        release = () => {
          held = undefined
          resolve()
        }
      })
      return release
    },
  }
}
