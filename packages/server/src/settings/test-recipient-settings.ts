import { type Static, Type } from '@sinclair/typebox'

/**
 * Test recipients: phone numbers and email addresses that always take one fixed code, for app-store reviewers
 * and end-to-end tests. A verification to one sends nothing (so needs no provider), accepts only that code,
 * counts attempts and expires as usual, and is marked `test` wherever it is shown. Nothing else is special:
 * the well-known magic numbers of other services (Twilio's +15005550006…) are ordinary numbers here.
 */
export const MAX_TEST_RECIPIENTS = 50

export const TestRecipientSettings = {
  test_recipients: Type.Array(
    Type.Object(
      {
        to: Type.String({
          minLength: 3,
          maxLength: 320,
          description: 'A phone number (E.164) or an email address, as a start request would give it.',
        }),
        code: Type.String({
          minLength: 1,
          maxLength: 16,
          description: 'The code it always takes: the channel’s `code_length` characters of its `code_alphabet`.',
        }),
      },
      { additionalProperties: false },
    ),
    {
      default: [],
      maxItems: MAX_TEST_RECIPIENTS,
      description:
        'Up to 50 `{to, code}`: a verification to `to` sends nothing and accepts only `code` (app-store reviewers, end-to-end tests). Refused under `NODE_ENV=production` unless `allow_test_recipients_in_production`.',
    },
  ),
  allow_test_recipients_in_production: Type.Boolean({
    default: false,
    description:
      'Let `test_recipients` work when the server runs with `NODE_ENV=production` (the console flags such an app).',
  }),
}

export type TestRecipient = Static<(typeof TestRecipientSettings)['test_recipients']>[number]
