// Top self-time functions of a V8 .cpuprofile (as `node --cpu-prof` writes).
//
//   node packages/server/bin/run-ts.js packages/server/bench/profile-summary.ts <file.cpuprofile> [top]

import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { REPO_ROOT } from './processes.js'
import { type AreaFrame, areaOf } from './profile-areas.js'

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly hitCount?: number
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly endTime: number
  readonly samples?: readonly number[]
  readonly timeDeltas?: readonly number[]
}

export interface ProfileLine {
  readonly where: string
  readonly ms: number
  readonly share: number
}

export function place(url: string): string {
  if (url === '') return '(native)'
  let path = url
  if (url.startsWith('file://')) path = fileURLToPath(url)
  const local = relative(REPO_ROOT, path)
  return local.startsWith('..') ? path : local
}

/** The group a frame belongs to: our sources, one npm package, node internals, or V8. */
export function groupOf(url: string): string {
  const where = place(url)
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1]
  if (pkg) return `npm:${pkg}`
  if (where.startsWith('packages/')) return where
  if (where.startsWith('node:')) return 'node internals'
  return where
}

/**
 * Self time per function and per file/package, largest first; `(idle)` and
 * `(program)` left out of the shares. With `windows` (monotonic clock,
 * microseconds, as process.hrtime and V8's profiler both use), only the
 * samples inside them count.
 */
export function summarise(
  file: string,
  top = 25,
  windows: readonly (readonly [number, number])[] = [],
): { functions: ProfileLine[]; groups: ProfileLine[]; ours: ProfileLine[]; areas: ProfileLine[]; totalMs: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const keyOf = (frame: ProfileNode['callFrame']) => {
    const name = frame.functionName || '(anonymous)'
    if (!frame.url) return name
    // tsx hands V8 one-line modules: a line number of 1 says nothing.
    return `${place(frame.url)}${frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ''} ${name}`
  }
  const self = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  let at = profile.startTime
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number
    at += deltas[i] ?? 0
    if (windows.length > 0 && !windows.some(([from, to]) => at >= from && at <= to)) continue
    // A sample's time is the delta to the next sample.
    const us = deltas[i + 1] ?? 0
    self.set(id, (self.get(id) ?? 0) + us)
  }
  const perFunction = new Map<string, number>()
  const perGroup = new Map<string, number>()
  const inclusiveOurs = new Map<string, number>()
  const perArea = new Map<string, number>()
  /** The sample's stack, leaf first. */
  const stackOf = function* (leaf: number): Generator<AreaFrame> {
    for (let node: number | undefined = leaf; node !== undefined; node = parent.get(node)) {
      const frame = byId.get(node)?.callFrame
      if (frame) yield { where: frame.url ? place(frame.url) : '', name: frame.functionName }
    }
  }
  let busyUs = 0
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame
    if (!frame) continue
    const name = frame.functionName || '(anonymous)'
    if (name === '(idle)' || name === '(program)') continue
    busyUs += us
    const key = keyOf(frame)
    perFunction.set(key, (perFunction.get(key) ?? 0) + us)
    // Inclusive time of our own functions: every function of packages/ on the sample's stack, once.
    const seen = new Set<string>()
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const caller = byId.get(node)?.callFrame
      if (!caller?.url || !place(caller.url).startsWith('packages/')) continue
      const callerKey = keyOf(caller)
      if (seen.has(callerKey)) continue
      seen.add(callerKey)
      inclusiveOurs.set(callerKey, (inclusiveOurs.get(callerKey) ?? 0) + us)
    }
    const group = frame.url ? groupOf(frame.url) : name === '(garbage collector)' ? 'GC' : 'V8/native'
    perGroup.set(group, (perGroup.get(group) ?? 0) + us)
    const area = areaOf(stackOf(id))
    perArea.set(area, (perArea.get(area) ?? 0) + us)
  }
  const lines = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({ where, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }))
  return {
    functions: lines(perFunction),
    groups: lines(perGroup),
    ours: lines(inclusiveOurs),
    areas: lines(perArea),
    totalMs: busyUs / 1000,
  }
}

/**
 * The summary as text. With `requests` (the requests answered in `windows`: one scenario profiled), each area
 * also says its main-thread µs per request.
 */
export function formatSummary(
  file: string,
  top = 25,
  windows: readonly (readonly [number, number])[] = [],
  requests?: number,
): string {
  const { functions, groups, ours, areas, totalMs } = summarise(file, top, windows)
  const row = (line: ProfileLine) =>
    `  ${(line.share * 100).toFixed(1).padStart(5)}%  ${line.ms.toFixed(0).padStart(7)} ms  ${line.where}`
  const perRequest = (line: ProfileLine) =>
    requests ? `  ${((line.ms * 1000) / requests).toFixed(1).padStart(6)} µs/req${row(line)}` : row(line)
  return [
    `profile ${file}: ${totalMs.toFixed(0)} ms busy${windows.length > 0 ? ' during the timed runs' : ''} (idle and "(program)" left out)${requests ? `, ${((totalMs * 1000) / requests).toFixed(1)} µs a request over ${requests} requests` : ''}`,
    'what the time paid for (each sample charged to the first area named on its stack, leaf first; bench/profile-areas.ts):',
    ...areas.map(perRequest),
    'self time by function:',
    ...functions.map(row),
    'self time by file / package:',
    ...groups.map(row),
    'inclusive time of our functions (packages/…; self plus everything they call):',
    ...ours.map(row),
  ].join('\n')
}

if (process.argv[1] && /profile-summary\.ts$/.test(process.argv[1])) {
  const file = process.argv[2]
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]  (the whole profile, start-up included)\n')
    process.exit(2)
  }
  process.stdout.write(`${formatSummary(file, Number(process.argv[3] ?? 25))}\n`)
}
