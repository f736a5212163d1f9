import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: readonly { target: readonly string[]; summary?: string }[]
}

/**
 * axe-core's serious and critical violations on the page as it is now. The
 * page's context must bypass CSP (axe is injected as a script the page's own
 * policy rightly refuses).
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE_PATH })
  const result = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })) })))",
  )) as AxeViolation[]
  return result.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
}

/** Fails with axe's own words (rule, element, contrast figures) when a serious or critical violation is found. */
export async function expectAccessible(page: Page): Promise<void> {
  const violations = await seriousViolations(page)
  if (violations.length > 0) throw new Error(`axe-core: ${JSON.stringify(violations, null, 2)}`)
}
