import { Type } from '@sinclair/typebox'
import { defineDeliveryProvider } from '../delivery-provider.js'

/**
 * Development delivery: prints the message (code included) to standard output
 * and sends nothing. It refuses to exist in production, so a forgotten
 * provider setting can never print real users' codes into production logs.
 */
export const consoleProvider = defineDeliveryProvider({
  name: 'console',
  channels: ['sms', 'email', 'whatsapp', 'call'],
  optionsSchema: Type.Object({}),
  create(_options, deps) {
    if (deps.nodeEnv === 'production') {
      throw new Error('the console provider prints codes and is refused when NODE_ENV=production')
    }
    return {
      async send(message) {
        deps.writeDevelopmentOutput(
          `[DEVELOPMENT ${message.channel} to ${message.to}] ${message.text.replace(/\s+/g, ' ')}`,
        )
        return { provider: 'console' }
      },
    }
  },
})
