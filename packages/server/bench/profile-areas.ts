// What a request's CPU pays for: each sample of a V8 .cpuprofile charged to one area. The sample's stack is
// read from its leaf up, and the first frame that names an area decides: a SQLite statement run for an event
// row is SQLite, the JSON of that row is the event log, a `writev` of the answer is Node's HTTP. Frames that
// name none (promise jobs, timers, V8 builtins called from the runtime) go to the last area.

/** A frame as the summary sees it: where (a repository path, `node:…` or npm's) and its function's name. */
export interface AreaFrame {
  readonly where: string
  readonly name: string
}

interface AreaRule {
  readonly area: string
  readonly matches: (frame: AreaFrame) => boolean
}

const under =
  (...prefixes: string[]) =>
  (frame: AreaFrame) =>
    prefixes.some((prefix) => frame.where.startsWith(prefix))
const npm =
  (...packages: string[]) =>
  (frame: AreaFrame) =>
    packages.some((name) => frame.where.includes(`node_modules/${name}/`))
const SRC = 'packages/server/src/'

/** In the order they are tried on each frame; the first that matches names the frame's area. */
const RULES: readonly AreaRule[] = [
  { area: 'garbage collection', matches: (frame) => frame.name === '(garbage collector)' },
  {
    area: 'SQLite: statements, commits, the storage layer',
    matches: (frame) => under(`${SRC}storage/`)(frame) || npm('better-sqlite3', 'kysely')(frame),
  },
  {
    area: 'HMAC, ids, other crypto',
    matches: (frame) => under(`${SRC}crypto/`, 'node:internal/crypto/')(frame),
  },
  { area: 'API key check (auth hook, app cache)', matches: under(`${SRC}http/plugins/auth`, `${SRC}core/app-service`) },
  {
    area: 'rate limits (send budgets, per-key limit)',
    matches: under(
      `${SRC}limits/`,
      `${SRC}core/rate-limiter`,
      `${SRC}core/send-limits`,
      `${SRC}core/verifications/send-admission`,
    ),
  },
  {
    area: 'event rows (details and webhook JSON)',
    matches: under(`${SRC}core/event-log`, `${SRC}core/verifications/verification-events`),
  },
  {
    area: 'delivery: message, provider chain, attempt',
    matches: under(`${SRC}delivery/`, `${SRC}core/message-delivery`, `${SRC}i18n/`, `${SRC}channels/`),
  },
  { area: 'identifiers (parse, normalise, mask)', matches: under(`${SRC}identifiers/`) },
  { area: 'logging', matches: (frame) => under(`${SRC}logging/`)(frame) || npm('pino', 'pino-std-serializers')(frame) },
  { area: 'metrics', matches: (frame) => under(`${SRC}metrics/`)(frame) || npm('prom-client')(frame) },
  { area: 'security headers', matches: under(`${SRC}http/security-headers`) },
  {
    area: 'verification logic (rows, settings, views)',
    matches: under(`${SRC}core/`, `${SRC}settings/`, `${SRC}verifiers/`),
  },
  {
    area: 'Fastify and Tessera routes: routing, hooks, JSON in and out',
    matches: (frame) =>
      under(`${SRC}http/`)(frame) ||
      npm(
        'fastify',
        '@fastify',
        'find-my-way',
        'fast-json-stringify',
        'secure-json-parse',
        'avvio',
        'ajv',
        'fast-uri',
      )(frame),
  },
  {
    area: "Node's HTTP and sockets",
    matches: (frame) =>
      /^node:(_http|net|stream|internal\/(http|stream|net))/.test(frame.where) ||
      frame.name === 'writev' ||
      frame.name === 'writeUtf8String' ||
      frame.name === 'writeBuffer',
  },
]

export const OTHER_AREA = 'promise jobs, timers, other runtime'

/** The area of a sample, from its stack listed leaf first. */
export function areaOf(stack: Iterable<AreaFrame>): string {
  for (const frame of stack) {
    for (const rule of RULES) if (rule.matches(frame)) return rule.area
  }
  return OTHER_AREA
}
