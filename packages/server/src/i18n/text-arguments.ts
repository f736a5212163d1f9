import { IntlMessageFormat } from 'intl-messageformat'

type Element = ReturnType<IntlMessageFormat['getAst']>[number]

/** What a text asks of its caller: its argument names, and the forms of each plural in it. */
interface TextArguments {
  /** Every argument the text names, plural ones included, sorted, each once. */
  readonly names: readonly string[]
  /** Each plural in the text: its argument and the forms it spells out (`one`, `few`, `=0`, `other`…). */
  readonly plurals: readonly { readonly name: string; readonly forms: readonly string[] }[]
}

/**
 * The arguments of an ICU MessageFormat text, for checks that every locale
 * asks for the same values as English and spells out its plural forms.
 * Throws (a SyntaxError from the parser) if the text is not valid ICU.
 */
export function textArguments(source: string, tag: string): TextArguments {
  const names = new Set<string>()
  const plurals: { name: string; forms: string[] }[] = []
  const visit = (elements: readonly Element[]) => {
    for (const element of elements) {
      if ('options' in element) {
        names.add(element.value)
        // Plural and select both have options; only a plural has a plural type.
        if ('pluralType' in element) plurals.push({ name: element.value, forms: Object.keys(element.options) })
        for (const option of Object.values(element.options)) visit(option.value)
      } else if ('children' in element) {
        visit(element.children)
      } else if ('value' in element && element.type !== 0) {
        // Every other element with a value but a literal (type 0) names an argument: plain, number, date, time.
        names.add(element.value)
      }
    }
  }
  visit(new IntlMessageFormat(source, tag, undefined, { ignoreTag: true }).getAst())
  return { names: [...names].sort(), plurals }
}
