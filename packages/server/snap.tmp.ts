import { writeFileSync } from 'node:fs'
import { SUPPORTED_LOCALES } from './src/i18n/locale.js'
import { renderMessage } from './src/delivery/templates/render-message.js'
import { defaultAppSettings } from './src/settings/resolve-settings.js'
import { HOSTED_TEXTS, format } from './src/web/hosted/hosted-texts.js'
const out: Record<string, unknown> = {}
const settings = defaultAppSettings()
for (const locale of SUPPORTED_LOCALES) {
  for (const ttl of [60, 120, 180, 300, 600, 660, 900, 1260, 3600, 6000]) {
    for (const channel of ['sms', 'email'] as const) {
      out[`msg ${locale} ${channel} ${ttl}`] = renderMessage({ settings, appName: 'A&B <Shop>', channel, scene: 'login', locale, code: '482913', ttlSeconds: ttl })
      out[`msgo ${locale} ${channel} ${ttl}`] = renderMessage({ settings: { ...settings, web_origin: 'https://x.example' }, appName: 'Acme', channel, scene: 'login', locale, code: '482913', ttlSeconds: ttl })
    }
    out[`link ${locale} ${ttl}`] = renderMessage({ settings, appName: 'A&B', channel: 'email', scene: 'login', locale, code: '482913', ttlSeconds: ttl, link: 'https://v.example/c?t=1&x=<y>' })
    out[`linkonly ${locale} ${ttl}`] = renderMessage({ settings, appName: 'A&B', channel: 'email', scene: 'login', locale, code: '482913', ttlSeconds: ttl, link: 'https://v.example/c?t=1&x=<y>', linkOnly: true })
  }
  const t = HOSTED_TEXTS[locale]
  for (const n of [1, 2, 3, 4, 5, 6, 8, 10, 11, 21, 59, 100]) {
    for (const [k, v] of Object.entries(t)) out[`page ${locale} ${k} ${n}`] = format(v, { app: 'Acme', to: '+1 *** 71', n, seconds: n, length: n, time: '0:' + n })
  }
}
writeFileSync(process.argv[2]!, JSON.stringify(out, null, 1))
