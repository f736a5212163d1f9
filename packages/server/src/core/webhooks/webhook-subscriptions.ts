import { AppError } from '../../errors/app-error.js'
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
