import { aliyunProvider } from './aliyun/aliyun-provider.js'
import { consoleProvider } from './console/console-provider.js'
import type { DeliveryProvider } from './delivery-provider.js'
import { nullProvider } from './null/null-provider.js'
import { smtpProvider } from './smtp/smtp-provider.js'
import { tencentProvider } from './tencent/tencent-provider.js'
import { twilioProvider } from './twilio/twilio-provider.js'
import { vonageProvider } from './vonage/vonage-provider.js'
import { webhookProvider } from './webhook/webhook-provider.js'

/** Every delivery provider Tessera ships. A new provider is one folder plus one line here. */
export const BUILT_IN_PROVIDERS: readonly DeliveryProvider<never>[] = [
  consoleProvider,
  smtpProvider,
  webhookProvider,
  twilioProvider,
  vonageProvider,
  aliyunProvider,
  tencentProvider,
  nullProvider,
]
