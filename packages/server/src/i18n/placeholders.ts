/** The values a message template may show: nothing else reaches a template. */
export interface MessageValues {
  readonly code: string
  readonly app_name: string
  readonly minutes: string
}

/** Every placeholder a template may use. Nothing else in a template is evaluated. */
export const PLACEHOLDERS = ['code', 'app_name', 'minutes'] as const satisfies readonly (keyof MessageValues)[]

const PLACEHOLDER = /\{([A-Za-z0-9_]*)\}/g
const KNOWN = new Set<string>(PLACEHOLDERS)

/**
 * Fills `{code}`, `{app_name}` and `{minutes}` in one pass: a value that
 * itself contains `{code}` is not expanded again. `encode` escapes each value
 * for where it lands (HTML, a JSON string). Unknown braces stay as written
 * (templates with unknown placeholders are refused when saved).
 */
export function renderPlaceholders(
  template: string,
  values: MessageValues,
  encode: (value: string, name: keyof MessageValues) => string = (value) => value,
): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    KNOWN.has(name) ? encode(values[name as keyof MessageValues], name as keyof MessageValues) : whole,
  )
}

/** The `{…}` names in a template that are not placeholders, for a clear refusal. */
export function unknownPlaceholders(template: string): string[] {
  const unknown = new Set<string>()
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? ''
    if (!KNOWN.has(name)) unknown.add(`{${name}}`)
  }
  return [...unknown]
}
