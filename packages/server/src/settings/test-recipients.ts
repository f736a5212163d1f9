import { BUILT_IN_CHANNELS } from '../channels/built-in-channels.js'
import type { Channel } from '../channels/channel.js'
import { AppError } from '../errors/app-error.js'
import type { AppSettings } from './app-settings.js'
import { codeFormatOf, fitsCodeFormat } from './code-format.js'
import type { TestRecipient } from './test-recipient-settings.js'

/** Test recipients at work (settings/test-recipient-settings.ts holds their settings): validation and lookup. */
type TestRecipientFields = Pick<AppSettings, 'test_recipients' | 'allow_test_recipients_in_production'>

/** One problem with a settings path below `settings.` (as `SettingsProblem`). */
interface Problem {
  readonly path: string
  readonly message: string
}

/** The channels whose identifiers `to` is (a phone number: sms; an address: email), with its canonical form. */
function channelsOf(to: string): { channel: Channel; identifier: string }[] {
  const found: { channel: Channel; identifier: string }[] = []
  for (const channel of BUILT_IN_CHANNELS as readonly Channel[]) {
    const identifier = channel.identifier.normalize(to)
    if (identifier !== undefined) found.push({ channel, identifier })
  }
  return found
}

/** Mailboxes ignore case; phone numbers are digits. */
const sameIdentifier = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

/**
 * What is wrong with the test recipients: a `to` no channel takes, a code that does not fit the format of a
 * channel that would carry it (so the entry could never be approved), one recipient listed twice.
 */
export function testRecipientProblems(settings: AppSettings): Problem[] {
  const problems: Problem[] = []
  const seen: string[] = []
  settings.test_recipients.forEach((entry, index) => {
    const path = `test_recipients.${index}`
    const carriers = channelsOf(entry.to)
    if (carriers.length === 0) {
      problems.push({ path: `${path}.to`, message: 'must be a phone number in E.164 form or an email address' })
      return
    }
    for (const { channel, identifier } of carriers) {
      const format = codeFormatOf(settings, channel.name)
      if (format && !fitsCodeFormat(format, entry.code)) {
        problems.push({
          path: `${path}.code`,
          message: `must be ${format.length} ${format.alphabet === 'digits' ? 'digits' : `characters of ${format.characters}`}, as channels.${channel.name}.code_length and code_alphabet say`,
        })
      }
      const key = `${channel.name}:${identifier}`
      if (seen.some((other) => sameIdentifier(other, key))) {
        problems.push({ path: `${path}.to`, message: 'is listed twice' })
      }
      seen.push(key)
    }
  })
  return problems
}

/** Whether test recipients may be used at all here: anywhere but production, where the app must opt in. */
export function testRecipientsAllowed(settings: TestRecipientFields, production: boolean): boolean {
  return !production || settings.allow_test_recipients_in_production
}

/** The refusal for settings that list test recipients in production without opting in. */
export function testRecipientsRefused(): AppError {
  return new AppError('test_recipients_not_allowed', {
    problems: [
      {
        path: 'settings.test_recipients',
        message: 'are refused when NODE_ENV=production unless allow_test_recipients_in_production is true',
      },
    ],
  })
}

/** Canonical identifier → fixed code, per channel, per settings object (an app's settings live frozen in its cache). */
const indexes = new WeakMap<readonly TestRecipient[], Map<string, string>>()

/**
 * The fixed code of `identifier` (already normalised by the channel) when it is one of the app's test
 * recipients on `channel` and they are allowed here; undefined otherwise.
 */
export function testRecipientCode(
  settings: TestRecipientFields,
  channel: string,
  identifier: string,
  production: boolean,
): string | undefined {
  const entries = settings.test_recipients
  if (entries.length === 0 || !testRecipientsAllowed(settings, production)) return undefined
  let index = indexes.get(entries)
  if (!index) {
    index = new Map()
    for (const entry of entries) {
      for (const carrier of channelsOf(entry.to)) {
        index.set(`${carrier.channel.name}:${carrier.identifier.toLowerCase()}`, entry.code)
      }
    }
    indexes.set(entries, index)
  }
  return index.get(`${channel}:${identifier.toLowerCase()}`)
}
