/**
 * Where a log holds any of `needles` (name → secret value): one description per finding, empty when
 * the log is clean. Each needle is looked for as written, percent-encoded and form-encoded, case
 * folded. A needle of digits only (a TOTP code, a national phone number) is looked for in the text
 * of JSON lines only (their string values and keys), never in numbers: `time` and `responseTime`
 * would match by chance. Bytes a line carries as a serialized Buffer (`{"type":"Buffer","data":[…]}`,
 * what JSON makes of an error's `rawPacket`) are decoded and searched too.
 */
export function findLeaks(lines: readonly string[], needles: Readonly<Record<string, string>>): string[] {
  const forms = Object.entries(needles).map(([name, value]) => {
    if (value.length < 6) throw new Error(`needle "${name}" is too short to search for: ${value}`)
    const variants = new Set(
      [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)].map((form) =>
        form.toLowerCase(),
      ),
    )
    return { name, variants: [...variants], digitsOnly: /^\d+$/.test(value) }
  })
  const leaks: string[] = []
  for (const line of lines) {
    const parsed = parseJson(line)
    const whole = line.toLowerCase()
    const texts = parsed === undefined ? whole : textsOf(parsed).join('\n').toLowerCase()
    const bytes = parsed === undefined ? '' : buffersOf(parsed).join('\n').toLowerCase()
    for (const { name, variants, digitsOnly } of forms) {
      const haystacks = digitsOnly ? [texts, bytes] : [whole, bytes]
      if (variants.some((variant) => haystacks.some((haystack) => haystack.includes(variant)))) {
        leaks.push(`${name} in: ${line.slice(0, 400)}`)
      }
    }
  }
  return leaks
}

function parseJson(line: string): unknown {
  if (!line.startsWith('{')) return undefined
  try {
    return JSON.parse(line)
  } catch {
    return undefined
  }
}

/** Every string value and key, at any depth. */
function textsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const item of value) textsOf(item, out)
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.push(key)
      textsOf(item, out)
    }
  }
  return out
}

/** The bytes of every serialized Buffer, as text. */
function buffersOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) buffersOf(item, out)
  else if (typeof value === 'object' && value !== null) {
    const { type, data } = value as { type?: unknown; data?: unknown }
    if (type === 'Buffer' && Array.isArray(data)) out.push(Buffer.from(data as number[]).toString('latin1'))
    else for (const item of Object.values(value)) buffersOf(item, out)
  }
  return out
}
