import type { Migration } from 'kysely'
import * as m0001 from './0001-initial.js'
import * as m0002 from './0002-factors.js'
import * as m0003 from './0003-deliveries.js'
import * as m0004 from './0004-sessions.js'
import * as m0005 from './0005-factor-guesses.js'
import * as m0006 from './0006-signing-key-revocation.js'
import * as m0007 from './0007-console-sessions.js'
import * as m0008 from './0008-session-response-mode.js'
import * as m0009 from './0009-events-by-verification.js'
import * as m0010 from './0010-webhooks.js'
import * as m0011 from './0011-verification-fallback.js'
import * as m0012 from './0012-test-verifications.js'
import * as m0013 from './0013-verify-services.js'
import * as m0014 from './0014-idempotency-keys.js'
import * as m0015 from './0015-factor-flags.js'
import * as m0016 from './0016-partial-indexes.js'
import * as m0017 from './0017-pending-expiry-index.js'
import * as m0018 from './0018-deliveries-time-index.js'

/** Every migration, in order. Names never change once released. */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ['0001-initial', m0001],
  ['0002-factors', m0002],
  ['0003-deliveries', m0003],
  ['0004-sessions', m0004],
  ['0005-factor-guesses', m0005],
  ['0006-signing-key-revocation', m0006],
  ['0007-console-sessions', m0007],
  ['0008-session-response-mode', m0008],
  ['0009-events-by-verification', m0009],
  ['0010-webhooks', m0010],
  ['0011-verification-fallback', m0011],
  ['0012-test-verifications', m0012],
  ['0013-verify-services', m0013],
  ['0014-idempotency-keys', m0014],
  ['0015-factor-flags', m0015],
  ['0016-partial-indexes', m0016],
  ['0017-pending-expiry-index', m0017],
  ['0018-deliveries-time-index', m0018],
]
