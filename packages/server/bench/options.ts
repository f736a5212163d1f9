import { parseArgs } from 'node:util'

export const TESSERA_SCENARIOS = ['start', 'verify-ok', 'verify-bad', 'token-verify', 'totp-check'] as const
export type ScenarioName = (typeof TESSERA_SCENARIOS)[number]

export interface BenchOptions {
  readonly requests: number
  readonly warmup: number
  readonly connections: number
  readonly peerRequests: number
  readonly db: 'sqlite' | 'postgres'
  /** Tessera servers on the one database (--db postgres), the load spread across them. */
  readonly instances: number
  readonly peer: boolean
  readonly smoke: boolean
  readonly out: string | undefined
  readonly cpuProf: boolean
  readonly cpuProfDir: string | undefined
  readonly scenarios: readonly ScenarioName[]
  readonly coldStarts: number
  /** Whether to run the open-loop latency scenarios (bench/open-loop-scenarios.ts). */
  readonly openLoop: boolean
  /** Whether to take a heap snapshot of the server after the runs and name its largest retainers. */
  readonly heapSnapshot: boolean
  /** Seconds each open-loop run offers its rate for. */
  readonly openSeconds: number
  /**
   * Capacities given on the command line, req/s: a scenario named here has its open-loop runs at fractions of
   * this instead of its closed-loop rate, so that runs compared in one hour offer the very same rates.
   */
  readonly openCapacity: Readonly<Partial<Record<ScenarioName, number>>>
  /** Node flags for the Tessera server(s), before the CLI (e.g. `--trace-gc-nvp`, `--import probe.mjs`). */
  readonly serverFlags: readonly string[]
  /** Where the Tessera server's output goes in full (each instance past the first: `.2`, `.3`, … appended). */
  readonly serverLog: string | undefined
  /** The command line as typed (for the report). */
  readonly command: string
}

export const USAGE = `usage: npm run bench -- [options]

  --requests N        requests per scenario, after the warm-up (default 20000; smoke 200)
  --warmup N          warm-up requests per scenario (default 2000; smoke 64)
  --connections N     concurrent connections (default 64)
  --peer-requests N   requests per peer scenario (default min(requests, 5000); smoke 200)
  --db sqlite|postgres  storage of the Tessera server (postgres: DATABASE_URL from TEST_POSTGRES_URL,
                      REDIS_URL from TEST_REDIS_URL when set, its database 15, emptied before and after;
                      pgbench's rate measured as the ceiling)
  --instances N       Tessera servers on one PostgreSQL database, the load spread across them (default 1)
  --no-peer           skip better-auth
  --smoke             small counts, no doc written unless --out (CI)
  --out PATH          where the markdown goes (default docs/benchmarks.md)
  --scenarios a,b     only these Tessera scenarios (${TESSERA_SCENARIOS.join(', ')})
  --cpu-prof          run the Tessera server with --cpu-prof and summarise the profile
  --cpu-prof-dir DIR  where the profile goes (default a new temp folder)
  --cold-starts N     cold starts timed, median reported (default 3; smoke 1)
  --open-seconds S    seconds of each open-loop latency run (default 10; smoke 0.5)
  --heap-snapshot     after the runs, a heap snapshot of the server, its largest retainers reported
  --no-open-loop      skip the open-loop latency runs (start, verify-ok, token-verify at 25% and 50% of capacity)
  --open-capacity s=N,…  the capacity (req/s) the open-loop fractions are taken of, per scenario, instead of
                      its closed-loop rate: the same offered rates in runs compared with each other
  --server-flags="…"  Node flags for the Tessera server (e.g. --server-flags="--trace-gc-nvp"), before its CLI
  --server-log PATH   the Tessera server's whole output, written to PATH (the report keeps only its tail)
  --help
`

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`)
  return n
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`)
  return n
}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      requests: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'peer-requests': { type: 'string' },
      db: { type: 'string' },
      instances: { type: 'string' },
      'no-peer': { type: 'boolean' },
      smoke: { type: 'boolean' },
      out: { type: 'string' },
      scenarios: { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      'cpu-prof-dir': { type: 'string' },
      'cold-starts': { type: 'string' },
      'open-seconds': { type: 'string' },
      'no-open-loop': { type: 'boolean' },
      'heap-snapshot': { type: 'boolean' },
      'open-capacity': { type: 'string' },
      'server-flags': { type: 'string' },
      'server-log': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) return 'help'
  const smoke = values.smoke ?? false
  const connections = positiveInt('connections', values.connections, 64)
  const requests = Math.max(connections, positiveInt('requests', values.requests, smoke ? 200 : 20_000))
  const warmup = Math.max(connections, positiveInt('warmup', values.warmup, smoke ? 64 : 2000))
  const peerRequests = Math.max(
    connections,
    positiveInt('peer-requests', values['peer-requests'], smoke ? 200 : Math.min(requests, 5000)),
  )
  const db = values.db ?? 'sqlite'
  if (db !== 'sqlite' && db !== 'postgres') throw new Error(`--db must be sqlite or postgres, got "${db}"`)
  const instances = positiveInt('instances', values.instances, 1)
  if (instances > 1 && db !== 'postgres')
    throw new Error('--instances above 1 needs --db postgres (SQLite is one process)')
  const scenarios = values.scenarios
    ? values.scenarios.split(',').map((name) => {
        const trimmed = name.trim()
        const known = TESSERA_SCENARIOS.find((s) => s === trimmed)
        if (!known) throw new Error(`--scenarios: unknown scenario "${trimmed}"`)
        return known
      })
    : [...TESSERA_SCENARIOS]
  return {
    requests,
    warmup,
    connections,
    peerRequests,
    db,
    instances,
    peer: !(values['no-peer'] ?? false),
    smoke,
    out: values.out ?? (smoke ? undefined : 'docs/benchmarks.md'),
    cpuProf: values['cpu-prof'] ?? values['cpu-prof-dir'] !== undefined,
    cpuProfDir: values['cpu-prof-dir'],
    scenarios,
    coldStarts: positiveInt('cold-starts', values['cold-starts'], smoke ? 1 : 3),
    openLoop: !(values['no-open-loop'] ?? false),
    heapSnapshot: values['heap-snapshot'] ?? false,
    openSeconds: positiveNumber('open-seconds', values['open-seconds'], smoke ? 0.5 : 10),
    openCapacity: parseCapacities(values['open-capacity']),
    serverFlags: (values['server-flags'] ?? '').split(/\s+/).filter((flag) => flag !== ''),
    serverLog: values['server-log'],
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
  }
}

/** `start=4000,verify-ok=3400` → { start: 4000, 'verify-ok': 3400 }. */
function parseCapacities(text: string | undefined): Partial<Record<ScenarioName, number>> {
  const capacities: Partial<Record<ScenarioName, number>> = {}
  if (text === undefined) return capacities
  for (const item of text.split(',')) {
    const [name = '', value, extra] = item.split('=').map((part) => part.trim())
    const scenario = TESSERA_SCENARIOS.find((known) => known === name)
    if (!scenario || value === undefined || extra !== undefined)
      throw new Error(`--open-capacity: expected scenario=req/s, got "${item}"`)
    capacities[scenario] = positiveNumber('open-capacity', value, 0)
  }
  return capacities
}
