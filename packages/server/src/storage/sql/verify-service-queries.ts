import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { HeldTokenRepository, VerifyServiceRepository } from '../store.js'

/** Twilio Verify services and their verifications' sids (docs/twilio-compat.md). */
export function createVerifyServiceQueries(db: Kysely<Database>): VerifyServiceRepository {
  return {
    async insert(service) {
      await db.insertInto('verifyServices').values(service).execute()
    },
    find: (appId, sid) =>
      db.selectFrom('verifyServices').selectAll().where('appId', '=', appId).where('sid', '=', sid).executeTakeFirst(),
    list: (appId, options) =>
      db
        .selectFrom('verifyServices')
        .selectAll()
        .where('appId', '=', appId)
        .orderBy('createdAt', 'asc')
        .orderBy('sid', 'asc')
        .limit(options.limit)
        .offset(options.offset)
        .execute(),
    async update(appId, sid, changes) {
      await db.updateTable('verifyServices').set(changes).where('appId', '=', appId).where('sid', '=', sid).execute()
      return db
        .selectFrom('verifyServices')
        .selectAll()
        .where('appId', '=', appId)
        .where('sid', '=', sid)
        .executeTakeFirst()
    },
    async delete(appId, sid) {
      const result = await db
        .deleteFrom('verifyServices')
        .where('appId', '=', appId)
        .where('sid', '=', sid)
        .executeTakeFirst()
      return Number(result.numDeletedRows) === 1
    },
    async insertVerification(row) {
      await db.insertInto('verifyServiceVerifications').values(row).execute()
    },
    findVerification: (appId, serviceSid, sid) =>
      db
        .selectFrom('verifyServiceVerifications')
        .selectAll()
        .where('appId', '=', appId)
        .where('serviceSid', '=', serviceSid)
        .where('sid', '=', sid)
        .executeTakeFirst(),
    findVerificationById: (appId, verificationId) =>
      db
        .selectFrom('verifyServiceVerifications')
        .selectAll()
        .where('appId', '=', appId)
        .where('verificationId', '=', verificationId)
        .executeTakeFirst(),
    findVerificationBySid: (appId, sid) =>
      db
        .selectFrom('verifyServiceVerifications')
        .selectAll()
        .where('appId', '=', appId)
        .where('sid', '=', sid)
        .executeTakeFirst(),
    async findPendingFor(appId, serviceSid, identifiers, now) {
      if (identifiers.length === 0) return undefined
      return db
        .selectFrom('verifyServiceVerifications as s')
        .innerJoin('verifications as v', 'v.id', 's.verificationId')
        .selectAll('s')
        .where('s.appId', '=', appId)
        .where('s.serviceSid', '=', serviceSid)
        .where('v.appId', '=', appId)
        .where('v.identifier', 'in', identifiers)
        .where('v.status', '=', 'pending')
        .where('v.expiresAt', '>', now)
        .orderBy('s.createdAt', 'desc')
        .orderBy('s.sid', 'desc')
        .limit(1)
        .executeTakeFirst()
    },
    async insertSendAttempt(row) {
      await db.insertInto('verifySendAttempts').values(row).execute()
    },
    listSendAttempts: (verificationSid) =>
      db
        .selectFrom('verifySendAttempts')
        .selectAll()
        .where('verificationSid', '=', verificationSid)
        .orderBy('createdAt', 'asc')
        .orderBy('sid', 'asc')
        .execute(),
  }
}

/** Held verification tokens: the pickup is one DELETE … RETURNING, so exactly one caller gets the token. */
export function createHeldTokenQueries(db: Kysely<Database>): HeldTokenRepository {
  return {
    async insert(row) {
      await db.insertInto('heldTokens').values(row).execute()
    },
    take: (appId, verificationId) =>
      db
        .deleteFrom('heldTokens')
        .where('appId', '=', appId)
        .where('verificationId', '=', verificationId)
        .returning(['sealedToken', 'expiresAt'])
        .executeTakeFirst(),
  }
}
