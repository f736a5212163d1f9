import { BUILT_IN_CHANNELS, channelNamed } from '../../channels/built-in-channels.js'
import type { AppSettings, ChannelName } from '../../settings/app-settings.js'
import { type RenderedMessage, renderMessage } from './render-message.js'
import { type SmsSegmentCount, smsSegments } from './sms-segments.js'

export interface SettingsWarning {
  readonly path: string
  readonly code: 'sms_multiple_segments'
  readonly message: string
}

/** A code as long as the app's codes, to measure what a real message will weigh. */
function sampleCode(settings: AppSettings, channel: ChannelName): string {
  const policy = settings.channels[channel]
  return (policy.code_alphabet === 'digits' ? '0' : 'W').repeat(policy.code_length)
}

/** A message rendered with a sample code, as the console and the preview endpoint show it. */
export function previewMessage(
  settings: AppSettings,
  appName: string,
  input: { channel: ChannelName; scene: string; locale?: string | undefined },
): RenderedMessage & { sms?: SmsSegmentCount } {
  const rendered = renderMessage({
    settings,
    appName,
    channel: input.channel,
    scene: input.scene,
    locale: input.locale,
    code: sampleCode(settings, input.channel),
    ttlSeconds: settings.channels[input.channel].ttl_seconds,
  })
  // A short text is billed by the segment: the preview counts them.
  return channelNamed(input.channel).textMessage === true
    ? Object.assign({}, rendered, { sms: smsSegments(rendered.text) })
    : rendered
}

/**
 * App SMS templates that will not fit one segment once rendered (sample code,
 * the app's name, the origin-bound line): saved, but flagged, because each
 * extra segment is billed and some carriers reassemble them badly.
 */
export function templateWarnings(settings: AppSettings, appName: string): SettingsWarning[] {
  const warnings: SettingsWarning[] = []
  for (const channel of BUILT_IN_CHANNELS) {
    if (!('textMessage' in channel && channel.textMessage)) continue
    const templates = (settings.templates as Record<string, Record<string, Record<string, unknown>>>)[channel.name]
    for (const [scene, byLocale] of Object.entries(templates ?? {})) {
      for (const locale of Object.keys(byLocale)) {
        const preview = previewMessage(settings, appName, {
          channel: channel.name,
          scene: scene === '*' ? '' : scene,
          locale,
        })
        const count = preview.sms
        if (count && count.segments > 1) {
          warnings.push({
            path: `settings.templates.${channel.name}.${scene}.${locale}.text`,
            code: 'sms_multiple_segments',
            message: `Rendered, this ${channel.label} is ${count.characters} ${count.encoding === 'GSM-7' ? 'GSM-7 characters' : 'UCS-2 units'}: ${count.segments} segments (one holds ${count.encoding === 'GSM-7' ? 160 : 70}).`,
          })
        }
      }
    }
  }
  return warnings
}
