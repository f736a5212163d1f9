import type { TObject } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { CHANNEL_NAMES, type ChannelName } from '../channels/built-in-channels.js'
import {
  constantTimeEqual,
  decryptSecret,
  encryptSecret,
  generateId,
  generateSecret,
  hmacBase64Url,
  type ServerKeys,
} from '../crypto/secrets.js'
import type { DeliveryRegistry } from '../delivery/provider-registry.js'
import { maskEntries, sealEntries, unsealEntry } from '../delivery/provider-secrets.js'
import { AppError, assertThat } from '../errors/app-error.js'
import type { AppSettings, SettingsInput } from '../settings/app-settings.js'
import { mergeSettings } from '../settings/merge-patch.js'
import { invalidSettings, resolveAppSettings, type SettingsProblem } from '../settings/resolve-settings.js'
import { testRecipientsAllowed, testRecipientsRefused } from '../settings/test-recipients.js'
import type { ApiKeyRow, AppRow } from '../storage/database.js'
import type { Store } from '../storage/store.js'
import type { Clock } from './clock.js'
import type { EventLog } from './event-log.js'

export interface App {
  readonly id: string
  readonly name: string
  readonly settings: AppSettings
  readonly createdAt: number
  readonly updatedAt: number
}

export interface ApiKeySummary {
  readonly id: string
  readonly appId: string
  readonly name: string
  readonly prefix: string
  readonly createdAt: number
  readonly revokedAt: number | null
}

export interface CreatedApiKey extends ApiKeySummary {
  /** The secret, returned once at creation and never again. */
  readonly key: string
}

export interface AppService {
  createApp(input: { name: string; settings?: SettingsInput | undefined }): Promise<App>
  listApps(options: { limit: number; after?: string | undefined }): Promise<App[]>
  getApp(appId: string): Promise<App>
  updateApp(appId: string, input: { name?: string | undefined; settings?: SettingsInput | undefined }): Promise<App>
  createKey(appId: string, input: { name?: string | undefined }): Promise<CreatedApiKey>
  listKeys(appId: string): Promise<ApiKeySummary[]>
  revokeKey(appId: string, keyId: string): Promise<void>
  /** The app behind an app key (and the key's id), or undefined for an unknown or revoked key. */
  authenticateAppKey(key: string): Promise<{ app: App; keyId: string } | undefined>
  isAdminKey(key: string): boolean
  /** Settings as reads show them: provider secrets masked. */
  maskSettings(settings: AppSettings): AppSettings
  /** Validates settings built from stored ones (a draft template): answers them resolved, or throws 4000. */
  checkSettings(settings: unknown): AppSettings
}

const KEY_PREFIX = 'tsk_'

/**
 * How long an authenticated key is trusted without asking the database. This
 * instance forgets a key at once when it revokes it or updates its app; a
 * revoke or settings change made by another instance takes effect here within
 * this bound (docs/security.md).
 */
export const APP_KEY_CACHE_TTL_MS = 5_000
/** Keys remembered at most; past it the oldest is forgotten first. */
const APP_KEY_CACHE_SIZE = 10_000

/**
 * An app as stored, its settings filled from the schema's defaults: settings saved before a channel, a
 * type's options or a setting existed read as if it had always been there (the defaults exist once).
 */
function toApp(row: AppRow, schema: TObject): App {
  return {
    id: row.id,
    name: row.name,
    settings: Value.Default(schema, JSON.parse(row.settings)) as AppSettings,
    createdAt: Number(row.createdAt),
    updatedAt: Number(row.updatedAt),
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const item of Object.values(value)) deepFreeze(item)
  }
  return value
}

function toKeySummary(row: ApiKeyRow): ApiKeySummary {
  return {
    id: row.id,
    appId: row.appId,
    name: row.name,
    prefix: row.prefix,
    createdAt: Number(row.createdAt),
    revokedAt: row.revokedAt === null ? null : Number(row.revokedAt),
  }
}

function cleanName(name: string, field: string): string {
  const trimmed = name.trim()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (trimmed.length === 0 || trimmed.length > 100 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new AppError('invalid_request', { message: `${field} must be 1–100 printable characters.` })
  }
  return trimmed
}

export function createAppService(deps: {
  store: Store
  clock: Clock
  keys: ServerKeys
  adminKey: string
  events: EventLog
  /** Registered verification types, which scenes' allowed_types may name. */
  verifierTypes: readonly string[]
  /** The settings schema with the registered types' options (the verifier registry's). */
  settingsSchema: TObject
  /** Registered delivery providers: checks provider chains and knows their secret fields. */
  delivery: Pick<DeliveryRegistry, 'checkEntry' | 'secretFields'>
  /** NODE_ENV=production: test recipients need the app's explicit `allow_test_recipients_in_production`. */
  production: boolean
}): AppService {
  const { store, clock, events } = deps
  /** A channel's providers' secret fields: one provider name may mean different fields on different channels. */
  const secretFields = (channel: ChannelName) => (type: string) => deps.delivery.secretFields(type, channel)

  /**
   * Validates settings (merged over `current` for an update) with provider
   * secrets sealed: new secrets are encrypted, masked ones keep the stored
   * value, and each provider entry is checked with its secrets in clear.
   */
  function resolveSealed(candidate: unknown, current: AppSettings | undefined): AppSettings {
    const problems: SettingsProblem[] = []
    if (typeof candidate === 'object' && candidate !== null) {
      const channels = (candidate as { channels?: Record<string, { providers?: unknown }> }).channels
      for (const channel of CHANNEL_NAMES) {
        const providers = channels?.[channel]?.providers
        if (!Array.isArray(providers) || !providers.every((entry) => typeof entry === 'object' && entry !== null))
          continue
        const sealed = sealEntries(
          providers as Record<string, unknown>[],
          (current?.channels[channel].providers ?? []) as Record<string, unknown>[],
          secretFields(channel),
          (plaintext) => encryptSecret(deps.keys, plaintext),
        )
        for (const problem of sealed.problems) {
          // `0.auth_token: give the secret itself…`: the entry's place and field, then what is wrong.
          const colon = problem.indexOf(': ')
          problems.push({
            path: `channels.${channel}.providers.${problem.slice(0, colon)}`,
            message: problem.slice(colon + 2),
          })
        }
        ;(channels as Record<string, { providers?: unknown }>)[channel] = Object.assign({}, channels?.[channel], {
          providers: sealed.entries,
        })
      }
    }
    if (problems.length > 0) throw invalidSettings(problems)
    return refuseTestRecipientsInProduction(
      resolveAppSettings(candidate, {
        schema: deps.settingsSchema,
        verifierTypes: deps.verifierTypes,
        checkProvider: (channel, entry) =>
          deps.delivery.checkEntry(
            channel,
            unsealEntry({ ...entry }, (sealed) => decryptSecret(deps.keys, sealed)),
          ),
      }),
    )
  }

  /** Fixed codes in production only by the app's explicit choice (settings/test-recipients.ts). */
  function refuseTestRecipientsInProduction(settings: AppSettings): AppSettings {
    if (settings.test_recipients.length > 0 && !testRecipientsAllowed(settings, deps.production)) {
      throw testRecipientsRefused()
    }
    return settings
  }
  const hashKey = (key: string) => hmacBase64Url(deps.keys.apiKeyHash, key)
  const adminKeyHash = hashKey(deps.adminKey)

  // Key hash → the authenticated app (settings parsed once). Only known keys are kept: an unknown key is
  // looked up every time, so guessing cannot fill the cache nor outlive a key created meanwhile.
  const authenticated = new Map<string, { app: App; keyId: string; until: number }>()
  const forget = (matches: (entry: { app: App; keyId: string }) => boolean) => {
    for (const [hash, entry] of authenticated) if (matches(entry)) authenticated.delete(hash)
  }

  async function getApp(appId: string): Promise<App> {
    const row = await store.apps.findById(appId)
    assertThat(row, 'not_found', { message: 'No such app.' })
    return toApp(row, deps.settingsSchema)
  }

  return {
    async createApp(input) {
      const settings = resolveSealed(structuredClone(input.settings ?? {}), undefined)
      const now = clock.nowMs()
      const row: AppRow = {
        id: generateId('app', 16, clock.nowMs()),
        name: cleanName(input.name, 'name'),
        settings: JSON.stringify(settings),
        createdAt: now,
        updatedAt: now,
      }
      await store.apps.insert(row)
      await events.record({ appId: row.id, kind: 'app.created' })
      return toApp(row, deps.settingsSchema)
    },
    async listApps(options) {
      return (await store.apps.list(options)).map((row) => toApp(row, deps.settingsSchema))
    },
    getApp,
    async updateApp(appId, input) {
      const current = await getApp(appId)
      const changes: { name?: string; settings?: string; updatedAt: number } = { updatedAt: clock.nowMs() }
      if (input.name !== undefined) changes.name = cleanName(input.name, 'name')
      if (input.settings !== undefined) {
        // Validate the merged whole, so a partial patch cannot leave an invalid combination.
        changes.settings = JSON.stringify(
          resolveSealed(structuredClone(mergeSettings(current.settings, input.settings)), current.settings),
        )
      }
      const row = await store.apps.update(appId, changes)
      forget((entry) => entry.app.id === appId)
      assertThat(row, 'not_found', { message: 'No such app.' })
      await events.record({ appId, kind: 'app.updated', details: { fields: Object.keys(input) } })
      return toApp(row, deps.settingsSchema)
    },
    async createKey(appId, input) {
      await getApp(appId)
      const key = `${KEY_PREFIX}${generateSecret(32)}`
      const row: ApiKeyRow = {
        id: generateId('key', 16, clock.nowMs()),
        appId,
        name: input.name === undefined ? 'default' : cleanName(input.name, 'name'),
        prefix: key.slice(0, KEY_PREFIX.length + 6),
        keyHash: hashKey(key),
        createdAt: clock.nowMs(),
        revokedAt: null,
      }
      await store.apiKeys.insert(row)
      await events.record({ appId, kind: 'api_key.created', details: { key_id: row.id } })
      return Object.assign(toKeySummary(row), { key })
    },
    async listKeys(appId) {
      await getApp(appId)
      return (await store.apiKeys.listByApp(appId)).map(toKeySummary)
    },
    async revokeKey(appId, keyId) {
      await getApp(appId)
      const revoked = await store.apiKeys.revoke(appId, keyId, clock.nowMs())
      forget((entry) => entry.keyId === keyId)
      assertThat(revoked, 'not_found', { message: 'No such active key.' })
      await events.record({ appId, kind: 'api_key.revoked', details: { key_id: keyId } })
    },
    async authenticateAppKey(key) {
      if (!key.startsWith(KEY_PREFIX) || key.length > 128) return undefined
      // The lookup is by keyed hash: an attacker learns nothing from timing, and a leaked table holds no usable key.
      const keyHash = hashKey(key)
      const now = clock.nowMs()
      const cached = authenticated.get(keyHash)
      if (cached && cached.until > now) return { app: cached.app, keyId: cached.keyId }
      const row = await store.apiKeys.findActiveByHash(keyHash)
      const appRow = row && (await store.apps.findById(row.appId))
      if (!row || !appRow) {
        authenticated.delete(keyHash)
        return undefined
      }
      // Shared by every request until it expires: frozen, so no request can change another's view.
      const app = deepFreeze(toApp(appRow, deps.settingsSchema))
      authenticated.delete(keyHash)
      if (authenticated.size >= APP_KEY_CACHE_SIZE) {
        const oldest = authenticated.keys().next().value
        if (oldest !== undefined) authenticated.delete(oldest)
      }
      authenticated.set(keyHash, { app, keyId: row.id, until: now + APP_KEY_CACHE_TTL_MS })
      return { app, keyId: row.id }
    },
    isAdminKey(key) {
      return key.length <= 256 && constantTimeEqual(hashKey(key), adminKeyHash)
    },
    checkSettings(settings) {
      return refuseTestRecipientsInProduction(
        resolveAppSettings(settings, { schema: deps.settingsSchema, verifierTypes: deps.verifierTypes }),
      )
    },
    maskSettings(settings) {
      const masked = structuredClone(settings)
      for (const channel of CHANNEL_NAMES) {
        masked.channels[channel].providers = maskEntries(
          settings.channels[channel].providers as Record<string, unknown>[],
          secretFields(channel),
        ) as typeof masked.channels.sms.providers
      }
      return masked
    },
  }
}
