import { Type } from '@sinclair/typebox'
import { defineDeliveryProvider } from '../delivery-provider.js'

/**
 * Accepts every message and does no I/O: for the benchmark and tests only
 * (configuration refuses it unless NODE_ENV is `test` or `bench`).
 */
export const nullProvider = defineDeliveryProvider({
  name: 'null',
  channels: ['sms', 'email', 'whatsapp', 'call'],
  optionsSchema: Type.Object({}),
  internal: true,
  create() {
    return { send: async () => ({ provider: 'null' }) }
  },
})
