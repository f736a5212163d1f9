/**
 * English: the reference locale. Every other locale has exactly these keys
 * and, text by text, the same arguments (`locale-texts.ts` says how texts are
 * written). Each language is written as a native speaker would write it, in
 * the register apps use in that language.
 */
export const en = {
  country: 'US',
  /** The hosted pages' texts that do not depend on the channel. */
  pages: {
    choose_channel: 'How should we send your code?',
    send_code: 'Send code',
    title_code: 'Enter your code',
    lead_code: 'We sent a code to {to}.',
    lead_code_link: 'We sent a code and a sign-in link to {to}.',
    title_link: 'Check your email',
    lead_link_only: 'We sent a sign-in link to {to}. Open it to continue.',
    resend_link: 'Send a new link',
    label_code: 'Verification code',
    code_hint: 'The code has {length, plural, one {{length} character} other {{length} characters}}.',
    verify: 'Verify',
    resend: 'Send a new code',
    /** `{time}` is a countdown (m:ss) the page's script keeps filling in: no count word to agree with. */
    resend_in: 'Send a new code in {time}',
    sent_again: 'A new code is on its way.',
    error_wrong_code: 'That code is not right. Tries left: {n}.',
    error_expired: 'This code has expired. Send a new code to continue.',
    error_locked: 'Too many wrong codes. Use a different number or email, or come back later.',
    error_too_many_sends: 'You have asked for too many codes. Please try again later.',
    error_resend_too_soon:
      'Please wait {seconds, plural, one {{seconds} second} other {{seconds} seconds}} before asking for another code.',
    error_rate_limited: 'Too many attempts. Please try again in a few minutes.',
    error_delivery: 'We could not send the code. Please try again in a moment.',
    error_generic: 'Something went wrong. Please try again.',
    error_form_expired: 'This form has expired. Reload the page and try again.',
    expired_title: 'This page has expired',
    expired_text: 'Go back to {app} and start again.',
    not_found_title: 'This page is not available',
    not_found_text: 'The link is incomplete or no longer valid.',
    done_title: 'You are verified',
    done_text: 'This verification is complete. You can close this page.',
    confirm_title: 'Confirm it’s you',
    confirm_text: 'Confirm to continue to {app} as {to}.',
    confirm_button: 'Confirm',
    link_invalid_title: 'This link no longer works',
    link_invalid_text: 'It was already used, or it has expired. Go back to {app} to get a new one.',
    secured_by: 'Secured by Tessera',
  },
  /** Per channel: its hosted identifier step (`ChannelPageTexts` and its own fields) and its messages. */
  channels: {
    sms: {
      title: 'Verify your phone number',
      lead: '{app} will text a verification code to this number.',
      tab: 'Text message',
      label: 'Phone number',
      change: 'Use a different number',
      error_invalid: 'Enter a valid phone number.',
      label_country: 'Country or region',
      /**
       * The SMS: app name, code, lifetime, do not share. Short enough for one
       * segment with a short app name (a test holds every locale to it), ASCII
       * punctuation where the language fits GSM-7.
       */
      message:
        "Your {app_name} verification code is {code}. It expires in {minutes, plural, one {{minutes} minute} other {{minutes} minutes}}. Don't share it with anyone.",
    },
    email: {
      title: 'Verify your email address',
      lead: '{app} will email a verification code to this address.',
      tab: 'Email',
      label: 'Email address',
      change: 'Use a different email',
      error_invalid: 'Enter a valid email address.',
      subject: 'Your {app_name} verification code',
      /** The line above the code. */
      intro: 'Your {app_name} verification code is:',
      expiry: 'It expires in {minutes, plural, one {{minutes} minute} other {{minutes} minutes}}.',
      /** Why the person may ignore the mail, and never to share the code. */
      ignore: 'If you didn’t ask for this code, you can ignore this email. Never share it with anyone.',
      /** Magic link beside the code: the line above the link. */
      link_beside: 'Or confirm with this link (it works once):',
      /** Magic link instead of the code: subject, the line above the button, the button. */
      link_subject: 'Confirm it’s you — {app_name}',
      link_intro: 'To continue with {app_name}, confirm it’s you with this link. It works once.',
      link_button: 'Confirm it’s me',
    },
    whatsapp: {
      title: 'Verify your WhatsApp number',
      lead: '{app} will send a verification code to this number on WhatsApp.',
      tab: 'WhatsApp',
      label: 'WhatsApp number',
      change: 'Use a different number',
      error_invalid: 'Enter a valid phone number.',
      label_country: 'Country or region',
      /** The text a WhatsApp message carries where no approved template is used (the webhook provider): as the SMS. */
      message:
        "Your {app_name} verification code is {code}. It expires in {minutes, plural, one {{minutes} minute} other {{minutes} minutes}}. Don't share it with anyone.",
      /** The hosted code page's link to have the code sent on WhatsApp instead. */
      offer: 'Send the code on WhatsApp instead',
    },
    call: {
      title: 'Get your code by phone call',
      lead: '{app} will call this number and read out a verification code.',
      tab: 'Phone call',
      label: 'Phone number',
      change: 'Use a different number',
      error_invalid: 'Enter a valid phone number.',
      label_country: 'Country or region',
      /** Spoken, twice: `{code}` is read out character by character, with pauses. */
      message: 'Your {app_name} verification code is {code}.',
      /** The text-to-speech language (BCP 47) the call is spoken in. */
      voice_language: 'en-US',
      /** The hosted code page's link to have the code read out by a phone call instead. */
      offer: 'Call me instead',
    },
  },
}
