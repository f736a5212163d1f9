import { type Html, html } from '../html.js'

/** Server-rendered SVG charts: no script, no library, styled by the console's CSS variables. */

export interface Series {
  readonly name: string
  /** A CSS colour. */
  readonly color: string
  readonly values: readonly number[]
}

const WIDTH = 640
const HEIGHT = 200
const PAD = { top: 12, right: 12, bottom: 26, left: 40 }

/** A round maximum for the axis: 1, 2, 5 × 10^n at or above `value`. */
function niceMax(value: number): number {
  if (value <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power
  return 10 * power
}

function axis(max: number, labels: readonly string[], format: (value: number) => string): Html {
  const plotHeight = HEIGHT - PAD.top - PAD.bottom
  const plotWidth = WIDTH - PAD.left - PAD.right
  const ticks = [0, 0.5, 1].map((fraction) => {
    const y = PAD.top + plotHeight * (1 - fraction)
    return html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}" class="gridline"/><text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" class="tick">${format(max * fraction)}</text>`
  })
  // At most about eight labels under the axis, evenly spaced.
  const every = Math.max(1, Math.ceil(labels.length / 8))
  const step = plotWidth / Math.max(1, labels.length)
  const xLabels = labels.map((label, index) =>
    index % every === 0
      ? html`<text x="${PAD.left + step * index + step / 2}" y="${HEIGHT - 8}" text-anchor="middle" class="tick">${label}</text>`
      : '',
  )
  return html`${ticks}${xLabels}`
}

/** Bars per time bucket, the series stacked. */
export function stackedBarChart(title: string, labels: readonly string[], series: readonly Series[]): Html {
  const totals = labels.map((_, index) => series.reduce((sum, s) => sum + (s.values[index] ?? 0), 0))
  const max = niceMax(Math.max(0, ...totals))
  const plotHeight = HEIGHT - PAD.top - PAD.bottom
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(1, labels.length)
  const barWidth = Math.max(2, step * 0.7)
  const bars = labels.map((label, index) => {
    let y = PAD.top + plotHeight
    return series.map((s) => {
      const value = s.values[index] ?? 0
      if (value <= 0) return ''
      const height = (value / max) * plotHeight
      y -= height
      return html`<rect x="${(PAD.left + step * index + (step - barWidth) / 2).toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${height.toFixed(1)}" fill="${s.color}" rx="2"><title>${label} · ${s.name}: ${value}</title></rect>`
    })
  })
  return html`<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${title}" class="chart">${axis(max, labels, (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1)))}${bars}</svg>
${legend(series)}`
}

/** A line per series; values are 0–1 (rates) or null where there is no data. */
export function rateLineChart(
  title: string,
  labels: readonly string[],
  series: readonly { name: string; color: string; values: readonly (number | null)[] }[],
): Html {
  const plotHeight = HEIGHT - PAD.top - PAD.bottom
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(1, labels.length)
  const lines = series.map((s) => {
    const points = s.values
      .map((value, index) =>
        value === null
          ? null
          : { x: PAD.left + step * index + step / 2, y: PAD.top + plotHeight * (1 - value), value, index },
      )
      .filter((point): point is { x: number; y: number; value: number; index: number } => point !== null)
    if (points.length === 0) return ''
    const path = points
      .map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x.toFixed(1)} ${point.y.toFixed(1)}`)
      .join(' ')
    return html`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>${points.map(
      (point) =>
        html`<circle cx="${point.x.toFixed(1)}" cy="${point.y.toFixed(1)}" r="3" fill="${s.color}"><title>${labels[point.index]} · ${s.name}: ${Math.round(point.value * 100)}%</title></circle>`,
    )}`
  })
  return html`<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${title}" class="chart">${axis(1, labels, (v) => `${Math.round(v * 100)}%`)}${lines}</svg>
${legend(series)}`
}

function legend(series: readonly { name: string; color: string }[]): Html {
  return html`<ul class="legend">${series.map((s) => html`<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="${s.color}"/></svg>${s.name}</li>`)}</ul>`
}

/** Horizontal bars, one per row (countries), with a figure beside each. */
export function barList(rows: readonly { label: string; value: number; note?: string }[], color: string): Html {
  const max = Math.max(1, ...rows.map((row) => row.value))
  return html`<table class="bar-list"><tbody>${rows.map(
    (row) =>
      html`<tr><th scope="row">${row.label}</th><td class="bar-cell"><svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect x="0" y="0" height="10" width="${((row.value / max) * 100).toFixed(1)}" fill="${color}" rx="1.5"/></svg></td><td class="num">${row.value}</td><td class="num muted">${row.note ?? ''}</td></tr>`,
  )}</tbody></table>`
}
