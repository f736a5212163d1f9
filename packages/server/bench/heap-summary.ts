// Reads a V8 heap snapshot (.heapsnapshot) and names its largest retainers:
// the objects whose retained size (what would be freed with them: everything
// they alone keep alive, from the dominator tree) is largest, and the
// constructors whose instances take the most memory of their own.
//
//   node packages/server/bin/run-ts.js packages/server/bench/heap-summary.ts <file.heapsnapshot>

import { readFileSync } from 'node:fs'

interface Snapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[]
      readonly node_types: readonly [readonly string[], ...unknown[]]
      readonly edge_fields: readonly string[]
      readonly edge_types: readonly [readonly string[], ...unknown[]]
    }
  }
  readonly nodes: readonly number[]
  readonly edges: readonly number[]
  readonly strings: readonly string[]
}

export interface HeapSummary {
  /** Bytes the snapshot holds (the sum of every node's own size). */
  readonly totalBytes: number
  /** Largest retained sizes, excluding the roots and V8's own bookkeeping. */
  readonly retainers: readonly { readonly name: string; readonly heldAs: string; readonly retainedBytes: number }[]
  /** Own bytes by constructor (or node type). */
  readonly byConstructor: readonly { readonly name: string; readonly count: number; readonly selfBytes: number }[]
}

export function summariseHeap(path: string, top = 12): HeapSummary {
  const data = JSON.parse(readFileSync(path, 'utf8')) as Snapshot
  const meta = data.snapshot.meta
  const nodeWidth = meta.node_fields.length
  const edgeWidth = meta.edge_fields.length
  const at = (fields: readonly string[], name: string) => fields.indexOf(name)
  const nType = at(meta.node_fields, 'type')
  const nName = at(meta.node_fields, 'name')
  const nSelf = at(meta.node_fields, 'self_size')
  const nEdges = at(meta.node_fields, 'edge_count')
  const eType = at(meta.edge_fields, 'type')
  const eTo = at(meta.edge_fields, 'to_node')
  const eName = at(meta.edge_fields, 'name_or_index')
  const nodeTypes = meta.node_types[0]
  const edgeTypes = meta.edge_types[0]
  const weak = edgeTypes.indexOf('weak')
  const nodes = data.nodes
  const edges = data.edges
  const count = nodes.length / nodeWidth

  // First edge of each node, and each node's successors along strong edges.
  const firstEdge = new Uint32Array(count + 1)
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e
    e += (nodes[i * nodeWidth + nEdges] ?? 0) * edgeWidth
  }
  firstEdge[count] = edges.length
  const successors = (i: number, visit: (j: number) => void) => {
    for (let e = firstEdge[i] ?? 0; e < (firstEdge[i + 1] ?? 0); e += edgeWidth) {
      if (edges[e + eType] === weak) continue
      visit((edges[e + eTo] ?? 0) / nodeWidth)
    }
  }

  // Post-order from the root (node 0), iteratively.
  const order = new Int32Array(count).fill(-1)
  const postorder: number[] = []
  const stack: number[] = [0]
  const cursor = new Uint32Array(count)
  const seen = new Uint8Array(count)
  seen[0] = 1
  for (let i = 0; i < count; i++) cursor[i] = firstEdge[i] ?? 0
  while (stack.length > 0) {
    const i = stack[stack.length - 1] as number
    let pushed = false
    while ((cursor[i] ?? 0) < (firstEdge[i + 1] ?? 0)) {
      const e = cursor[i] as number
      cursor[i] = e + edgeWidth
      if (edges[e + eType] === weak) continue
      const j = (edges[e + eTo] ?? 0) / nodeWidth
      if (seen[j]) continue
      seen[j] = 1
      stack.push(j)
      pushed = true
      break
    }
    if (!pushed) {
      stack.pop()
      order[i] = postorder.length
      postorder.push(i)
    }
  }
  // Predecessors of the reachable nodes.
  const predecessors: number[][] = Array.from({ length: count }, () => [])
  for (const i of postorder) successors(i, (j) => predecessors[j]?.push(i))

  // Cooper, Harvey and Kennedy's iterative dominators over the reverse post-order.
  const idom = new Int32Array(count).fill(-1)
  idom[0] = 0
  const intersect = (a: number, b: number) => {
    let x = a
    let y = b
    while (x !== y) {
      while ((order[x] ?? 0) < (order[y] ?? 0)) x = idom[x] ?? 0
      while ((order[y] ?? 0) < (order[x] ?? 0)) y = idom[y] ?? 0
    }
    return x
  }
  for (let changed = true; changed; ) {
    changed = false
    for (let k = postorder.length - 2; k >= 0; k--) {
      const i = postorder[k] as number
      let dominator = -1
      for (const p of predecessors[i] ?? []) {
        if (idom[p] === -1) continue
        dominator = dominator === -1 ? p : intersect(p, dominator)
      }
      if (dominator !== -1 && idom[i] !== dominator) {
        idom[i] = dominator
        changed = true
      }
    }
  }
  // Retained sizes: each node's own size added up its dominator tree (children come first in post-order).
  const retained = new Float64Array(count)
  let totalBytes = 0
  for (let i = 0; i < count; i++) {
    retained[i] = nodes[i * nodeWidth + nSelf] ?? 0
    totalBytes += retained[i] ?? 0
  }
  for (const i of postorder) if (i !== 0) retained[idom[i] ?? 0] = (retained[idom[i] ?? 0] ?? 0) + (retained[i] ?? 0)

  const label = (i: number) => {
    const type = nodeTypes[nodes[i * nodeWidth + nType] ?? 0] ?? '?'
    const name = data.strings[nodes[i * nodeWidth + nName] ?? 0] ?? ''
    return type === 'object' || type === 'closure' ? `${name} (${type})` : `${type} ${name.slice(0, 60)}`
  }
  /** How a node's first referrer holds it: `<referrer>.<property>` or `<referrer>[<index>]`. */
  const heldAs = (i: number) => {
    for (const p of predecessors[i] ?? []) {
      for (let e = firstEdge[p] ?? 0; e < (firstEdge[p + 1] ?? 0); e += edgeWidth) {
        if ((edges[e + eTo] ?? 0) / nodeWidth !== i) continue
        const type = edgeTypes[edges[e + eType] ?? 0]
        const nameOrIndex = edges[e + eName] ?? 0
        const edge =
          type === 'element' || type === 'hidden' ? `[${nameOrIndex}]` : `.${data.strings[nameOrIndex] ?? '?'}`
        return `${label(p)}${edge}`
      }
    }
    return ''
  }
  // Roots and V8's synthetic groupings are not objects of the program.
  const synthetic = nodeTypes.indexOf('synthetic')
  const retainers = postorder
    .filter((i) => i !== 0 && nodes[i * nodeWidth + nType] !== synthetic)
    .sort((a, b) => (retained[b] ?? 0) - (retained[a] ?? 0))
    .slice(0, top)
    .map((i) => ({ name: label(i), heldAs: heldAs(i), retainedBytes: retained[i] ?? 0 }))

  const groups = new Map<string, { count: number; selfBytes: number }>()
  for (let i = 0; i < count; i++) {
    const type = nodeTypes[nodes[i * nodeWidth + nType] ?? 0] ?? '?'
    const key = type === 'object' ? (data.strings[nodes[i * nodeWidth + nName] ?? 0] ?? '?') : `(${type})`
    const group = groups.get(key) ?? { count: 0, selfBytes: 0 }
    group.count++
    group.selfBytes += nodes[i * nodeWidth + nSelf] ?? 0
    groups.set(key, group)
  }
  const byConstructor = [...groups.entries()]
    .map(([name, g]) => ({ name, ...g }))
    .sort((a, b) => b.selfBytes - a.selfBytes)
    .slice(0, top)
  return { totalBytes, retainers, byConstructor }
}

if (process.argv[1]?.endsWith('heap-summary.ts')) {
  const file = process.argv[2]
  if (!file) {
    process.stderr.write('usage: heap-summary.ts <file.heapsnapshot>\n')
    process.exit(2)
  }
  process.stdout.write(`${JSON.stringify(summariseHeap(file), null, 2)}\n`)
}
