/**
 * SMS segments a text needs (3GPP TS 23.038). A text made only of the GSM 03.38
 * default alphabet (with its extension table, whose characters cost two
 * septets) travels as GSM-7: 160 septets in one segment, 153 per segment when
 * concatenated. Anything else travels as UCS-2: 70 UTF-16 units in one
 * segment, 67 per segment.
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
const GSM_EXTENSION = '\f^{}\\[~]|€'

const BASIC = new Set(GSM_BASIC)
const EXTENSION = new Set(GSM_EXTENSION)

export interface SmsSegmentCount {
  readonly encoding: 'GSM-7' | 'UCS-2'
  readonly segments: number
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  readonly characters: number
}

export function smsSegments(text: string): SmsSegmentCount {
  let septets = 0
  let gsm = true
  for (const ch of text) {
    if (BASIC.has(ch)) septets += 1
    else if (EXTENSION.has(ch)) septets += 2
    else {
      gsm = false
      break
    }
  }
  if (gsm) {
    return { encoding: 'GSM-7', characters: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) }
  }
  const units = text.length
  return { encoding: 'UCS-2', characters: units, segments: units <= 70 ? 1 : Math.ceil(units / 67) }
}
