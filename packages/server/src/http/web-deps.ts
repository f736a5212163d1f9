import { summarizeActivity } from '../core/activity-stats.js'
import { createConsoleSessionService } from '../core/console-session-service.js'
import type { ConsoleDeps } from '../web/console/console-deps.js'
import type { ServerDeps } from './create-server.js'

/** The console's services, cut from the server's: web sees neither the store nor the HTTP layer. */
export function consoleDeps(deps: ServerDeps): ConsoleDeps {
  return {
    apps: deps.apps,
    verifications: deps.verifications,
    events: deps.events,
    keyRing: deps.keyRing,
    sessions: createConsoleSessionService({
      store: deps.store,
      clock: deps.clock,
      key: deps.consoleKey,
      events: deps.events,
    }),
    limits: deps.limits,
    activity: (appId, window) => summarizeActivity(deps, appId, window),
    clock: deps.clock,
    consoleKey: deps.consoleKey,
    currentPublicUrl: deps.currentPublicUrl,
  }
}
