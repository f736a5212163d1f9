import { AppError } from '../../errors/app-error.js'
import type { WebhookEndpointRow } from '../../storage/database.js'
import { EVENT_TYPES } from '../event-log.js'

const KNOWN = new Set<string>(EVENT_TYPES)
const GROUPS = new Set<string>(EVENT_TYPES.map((type) => type.slice(0, type.indexOf('.'))))

/**
 * An endpoint's subscription as stored: event types, `<group>.*` (every type of a group, e.g.
 * `verification.*`), or `*` (everything). An unknown name is refused rather than never matching.
 */
export function validSubscription(events: readonly string[]): string[] {
  const unique = [...new Set(events)]
  for (const name of unique) {
    const group = name.endsWith('.*') ? name.slice(0, -2) : undefined
    if (name === '*' || KNOWN.has(name) || (group !== undefined && GROUPS.has(group))) continue
    throw new AppError('invalid_request', {
      message: `events: "${name}" is not an event type (docs/events.md lists them; "*" is every type).`,
    })
  }
  return unique.includes('*') ? ['*'] : unique
}

/** Whether an endpoint subscribed to `events` receives an event of `type`. */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.some(
    (name) => name === '*' || name === type || (name.endsWith('.*') && type.startsWith(name.slice(0, -1))),
  )
}

/** An endpoint that receives events, with its subscription parsed. */
export interface Receiver {
  readonly id: string
  readonly events: readonly string[]
}

/** The endpoints of an app that receive events: the enabled ones (a disabled endpoint gets nothing, resends included). */
export function receiversAmong(endpoints: readonly WebhookEndpointRow[]): Receiver[] {
  return endpoints
    .filter((endpoint) => Number(endpoint.enabled) === 1)
    .map((endpoint) => ({ id: endpoint.id, events: JSON.parse(endpoint.events) as string[] }))
}
