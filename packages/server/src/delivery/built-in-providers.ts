import { aliyunProvider } from './aliyun/aliyun-provider.js'
import { consoleProvider } from './console/console-provider.js'
import type { DeliveryProvider } from './delivery-provider.js'
import { metaProvider } from './meta/meta-provider.js'
import { nullProvider } from './null/null-provider.js'
import { smtpProvider } from './smtp/smtp-provider.js'
import { tencentProvider } from './tencent/tencent-provider.js'
import { twilioCallProvider } from './twilio/twilio-call-provider.js'
import { twilioProvider } from './twilio/twilio-provider.js'
import { twilioWhatsappProvider } from './twilio/twilio-whatsapp-provider.js'
import { vonageProvider } from './vonage/vonage-provider.js'
import { vonageVoiceProvider } from './vonage/vonage-voice-provider.js'
import { webhookProvider } from './webhook/webhook-provider.js'

/**
 * Every delivery provider Tessera ships. A new provider is one folder plus one line here. One name may stand for
 * one provider per channel (`twilio` on SMS, WhatsApp and calls: each API its own fields).
 */
export const BUILT_IN_PROVIDERS: readonly DeliveryProvider<never>[] = [
  consoleProvider,
  smtpProvider,
  webhookProvider,
  twilioProvider,
  twilioWhatsappProvider,
  twilioCallProvider,
  vonageProvider,
  vonageVoiceProvider,
  metaProvider,
  aliyunProvider,
  tencentProvider,
  nullProvider,
]
