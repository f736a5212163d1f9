// What held the event loop in its longest stretches: the stalls behind an open-loop run's tail latency.
// A stall is a run of consecutive profile samples none of which is `(idle)`: the thread never went back to
// waiting for I/O in between. For each stall over a threshold, the frames on its samples' stacks are
// counted (inclusive), so a stall caused by one query, one GC or one sweep names it.
//
//   node packages/server/bin/run-ts.js packages/server/bench/stall-summary.ts <file.cpuprofile> [min ms]

import { readFileSync } from 'node:fs'
import { place } from './profile-summary.js'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly samples?: readonly number[]
  readonly timeDeltas?: readonly number[]
}

export interface Stall {
  /** Microseconds since the profile started. */
  readonly startUs: number
  readonly durationMs: number
  /** The frames most present on its samples (inclusive share of the stall), largest first. */
  readonly frames: readonly { readonly where: string; readonly share: number }[]
}

/** `windows` (monotonic µs, as the profile's clock): only stalls that begin inside one count. */
export function findStalls(
  file: string,
  minMs = 10,
  windows: readonly (readonly [number, number])[] = [],
  framesPerStall = 6,
): Stall[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  const keyOf = (frame: ProfileNode['callFrame']) =>
    `${frame.functionName || '(anonymous)'}${frame.url ? ` ${place(frame.url)}${frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ''}` : ''}`

  const stalls: Stall[] = []
  let at = profile.startTime
  let runStart = -1
  let runSamples: { id: number; us: number }[] = []
  const close = () => {
    const durationUs = runSamples.reduce((sum, sample) => sum + sample.us, 0)
    const inWindow = windows.length === 0 || windows.some(([from, to]) => runStart >= from && runStart <= to)
    if (runStart >= 0 && durationUs >= minMs * 1000 && inWindow) {
      const inclusive = new Map<string, number>()
      for (const sample of runSamples) {
        const seen = new Set<string>()
        for (let node: number | undefined = sample.id; node !== undefined; node = parent.get(node)) {
          const frame = byId.get(node)?.callFrame
          if (!frame || frame.functionName === '(root)') continue
          const key = keyOf(frame)
          if (seen.has(key)) continue
          seen.add(key)
          inclusive.set(key, (inclusive.get(key) ?? 0) + sample.us)
        }
      }
      const frames = [...inclusive]
        .sort((a, b) => b[1] - a[1])
        // The outermost frames (the event loop's own entry points) are on every sample and say nothing.
        .filter(([, us]) => us < durationUs * 0.999)
        .slice(0, framesPerStall)
        .map(([where, us]) => ({ where, share: us / durationUs }))
      stalls.push({ startUs: runStart - profile.startTime, durationMs: durationUs / 1000, frames })
    }
    runStart = -1
    runSamples = []
  }
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0
    const id = samples[i] as number
    const name = byId.get(id)?.callFrame.functionName
    if (name === '(idle)') {
      close()
      continue
    }
    if (runStart < 0) runStart = at
    runSamples.push({ id, us: deltas[i + 1] ?? 0 })
  }
  close()
  return stalls.sort((a, b) => b.durationMs - a.durationMs)
}

export function formatStalls(
  file: string,
  minMs = 10,
  windows: readonly (readonly [number, number])[] = [],
  top = 15,
): string {
  const stalls = findStalls(file, minMs, windows)
  const total = stalls.reduce((sum, stall) => sum + stall.durationMs, 0)
  return [
    `${stalls.length} stretches of ${minMs} ms or more without a turn back to idle${windows.length > 0 ? ' during the open-loop runs' : ''} (${total.toFixed(0)} ms in all); the longest:`,
    ...stalls
      .slice(0, top)
      .flatMap((stall) => [
        `  ${stall.durationMs.toFixed(1)} ms at ${(stall.startUs / 1e6).toFixed(2)} s:`,
        ...stall.frames.map((frame) => `    ${(frame.share * 100).toFixed(0).padStart(3)}%  ${frame.where}`),
      ]),
  ].join('\n')
}

if (process.argv[1] && /stall-summary\.ts$/.test(process.argv[1])) {
  const file = process.argv[2]
  if (!file) {
    process.stderr.write('usage: stall-summary.ts <file.cpuprofile> [min ms]\n')
    process.exit(2)
  }
  process.stdout.write(`${formatStalls(file, Number(process.argv[3] ?? 10))}\n`)
}
