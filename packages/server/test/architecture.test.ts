import { fileURLToPath } from 'node:url'
import { cruise, type ICruiseResult } from 'dependency-cruiser'
import { beforeAll, describe, expect, it } from 'vitest'

// The layering of src/ (docs/architecture.md). Module cycles and what core may import are rules of
// .dependency-cruiser.cjs (`npm run check`); folder cycles are checked here, on the same graph.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SRC = 'packages/server/src/'

/** A module's folder: the top-level folder under src/, or the file itself for the composition roots at src/. */
function folderOf(path: string): string {
  const inside = path.slice(SRC.length)
  const slash = inside.indexOf('/')
  return slash === -1 ? inside : inside.slice(0, slash)
}

let edges: Map<string, Set<string>>

beforeAll(async () => {
  const result = await cruise([`${SRC}`], {
    baseDir: ROOT,
    exclude: { path: '\\.test\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  })
  const output = result.output as ICruiseResult
  edges = new Map()
  for (const module of output.modules) {
    if (!module.source.startsWith(SRC)) continue
    const from = folderOf(module.source)
    for (const dependency of module.dependencies) {
      if (!dependency.resolved.startsWith(SRC)) continue
      const to = folderOf(dependency.resolved)
      if (to === from) continue
      if (!edges.has(from)) edges.set(from, new Set())
      edges.get(from)?.add(to)
    }
  }
}, 60_000)

/** Every cycle between folders, as the folder path that closes it. */
function folderCycles(): string[][] {
  const cycles: string[][] = []
  const visit = (start: string, node: string, path: string[]) => {
    for (const next of edges.get(node) ?? []) {
      if (next === start) cycles.push([...path, next])
      else if (!path.includes(next) && next > start) visit(start, next, [...path, next])
    }
  }
  for (const start of [...edges.keys()].sort()) visit(start, start, [start])
  return cycles
}

describe('the folders of src/', () => {
  it('import each other one way only: no cycle between folders', () => {
    expect(edges.size).toBeGreaterThan(5)
    expect(folderCycles()).toEqual([])
  })

  it('keep the leaves leaves: crypto, errors, i18n, identifiers, channels and settings import no other folder but each other', () => {
    // channels sit below settings: the settings schema is composed from the channel registry.
    const leaves = new Set(['crypto', 'errors', 'i18n', 'identifiers', 'channels', 'settings'])
    for (const leaf of leaves) {
      for (const to of edges.get(leaf) ?? []) expect(leaves.has(to), `${leaf} → ${to}`).toBe(true)
    }
  })

  it('keep core free of http, web, cli and storage dialects', () => {
    for (const to of edges.get('core') ?? []) expect(['http', 'web', 'cli'], `core → ${to}`).not.toContain(to)
  })
})
