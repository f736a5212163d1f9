/**
 * Reads Prometheus's text exposition format as a scraper does: each sample line `name{label="value",…} value`
 * becomes an entry keyed by its name and its labels sorted by name, so a test can compare two scrapes.
 */
export type Samples = ReadonlyMap<string, number>

export function parsePrometheusText(text: string): Samples {
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line)
    if (!match) throw new Error(`not a sample line: ${line}`)
    const [, name, labelText = '', value = ''] = match
    const labels: Record<string, string> = {}
    for (const label of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    samples.set(sampleKey(name as string, labels), Number(value))
  }
  return samples
}

/** The key of one series: `name{a="1",b="2"}`, labels sorted. */
export function sampleKey(name: string, labels: Readonly<Record<string, string | number>> = {}): string {
  const parts = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${labels[key]}"`)
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`
}

/** How much each series grew between two scrapes (a series absent before counts from 0); unchanged ones left out. */
export function differences(before: Samples, after: Samples): Map<string, number> {
  const grown = new Map<string, number>()
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0)
    if (delta !== 0) grown.set(key, delta)
  }
  return grown
}
