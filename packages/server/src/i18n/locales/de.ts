import type { LocaleTexts } from '../locale-texts.js'

/** German: formal Sie, as apps write it. */
export const de = {
  country: 'DE',
  pages: {
    choose_channel: 'Wie möchten Sie den Code erhalten?',
    send_code: 'Code senden',
    title_code: 'Code eingeben',
    lead_code: 'Wir haben einen Code an {to} gesendet.',
    lead_code_link: 'Wir haben einen Code und einen Anmeldelink an {to} gesendet.',
    title_link: 'Prüfen Sie Ihr Postfach',
    lead_link_only: 'Wir haben einen Anmeldelink an {to} gesendet. Öffnen Sie ihn, um fortzufahren.',
    resend_link: 'Neuen Link senden',
    label_code: 'Bestätigungscode',
    code_hint: 'Der Code hat {length} Zeichen.',
    verify: 'Bestätigen',
    resend: 'Neuen Code senden',
    resend_in: 'Neuer Code in {time} möglich',
    sent_again: 'Ein neuer Code ist unterwegs.',
    error_wrong_code: 'Der Code ist nicht korrekt. Verbleibende Versuche: {n}.',
    error_expired: 'Der Code ist abgelaufen. Fordern Sie einen neuen an, um fortzufahren.',
    error_locked:
      'Zu viele falsche Codes. Verwenden Sie eine andere Nummer oder E-Mail-Adresse oder versuchen Sie es später erneut.',
    error_too_many_sends: 'Sie haben zu viele Codes angefordert. Bitte versuchen Sie es später erneut.',
    error_resend_too_soon:
      'Bitte warten Sie {seconds, plural, one {{seconds} Sekunde} other {{seconds} Sekunden}}, bevor Sie einen neuen Code anfordern.',
    error_rate_limited: 'Zu viele Versuche. Bitte versuchen Sie es in einigen Minuten erneut.',
    error_delivery: 'Der Code konnte nicht gesendet werden. Bitte versuchen Sie es gleich noch einmal.',
    error_generic: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.',
    error_form_expired: 'Das Formular ist abgelaufen. Laden Sie die Seite neu und versuchen Sie es erneut.',
    expired_title: 'Diese Seite ist abgelaufen',
    expired_text: 'Kehren Sie zu {app} zurück und beginnen Sie von vorn.',
    not_found_title: 'Diese Seite ist nicht verfügbar',
    not_found_text: 'Der Link ist unvollständig oder nicht mehr gültig.',
    done_title: 'Erfolgreich bestätigt',
    done_text: 'Die Bestätigung ist abgeschlossen. Sie können diese Seite schließen.',
    confirm_title: 'Bestätigen Sie, dass Sie es sind',
    confirm_text: 'Bestätigen Sie, um als {to} bei {app} fortzufahren.',
    confirm_button: 'Bestätigen',
    link_invalid_title: 'Dieser Link funktioniert nicht mehr',
    link_invalid_text:
      'Er wurde bereits verwendet oder ist abgelaufen. Kehren Sie zu {app} zurück, um einen neuen zu erhalten.',
    secured_by: 'Geschützt durch Tessera',
  },
  channels: {
    sms: {
      title: 'Telefonnummer bestätigen',
      lead: '{app} sendet einen Bestätigungscode per SMS an diese Nummer.',
      tab: 'SMS',
      label: 'Telefonnummer',
      change: 'Andere Nummer verwenden',
      error_invalid: 'Geben Sie eine gültige Telefonnummer ein.',
      label_country: 'Land oder Region',
      message:
        'Ihr Bestätigungscode für {app_name} lautet {code}. Er ist {minutes, plural, one {{minutes} Minute} other {{minutes} Minuten}} gültig. Geben Sie ihn nicht weiter.',
    },
    email: {
      title: 'E-Mail-Adresse bestätigen',
      lead: '{app} sendet einen Bestätigungscode an diese Adresse.',
      tab: 'E-Mail',
      label: 'E-Mail-Adresse',
      change: 'Andere E-Mail-Adresse verwenden',
      error_invalid: 'Geben Sie eine gültige E-Mail-Adresse ein.',
      subject: 'Ihr Bestätigungscode für {app_name}',
      intro: 'Ihr Bestätigungscode für {app_name} lautet:',
      expiry: 'Der Code ist {minutes, plural, one {{minutes} Minute} other {{minutes} Minuten}} gültig.',
      ignore:
        'Falls Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren. Geben Sie den Code niemals an andere weiter.',
      link_beside: 'Oder bestätigen Sie über diesen Link (nur einmal gültig):',
      link_subject: '{app_name}: Bitte bestätigen Sie, dass Sie es sind',
      link_intro:
        'Um mit {app_name} fortzufahren, bestätigen Sie über diesen Link, dass Sie es sind. Der Link ist nur einmal gültig.',
      link_button: 'Ja, das bin ich',
    },
    whatsapp: {
      title: 'Bestätigen Sie Ihre WhatsApp-Nummer',
      lead: '{app} sendet einen Bestätigungscode per WhatsApp an diese Nummer.',
      tab: 'WhatsApp',
      label: 'WhatsApp-Nummer',
      change: 'Andere Nummer verwenden',
      error_invalid: 'Geben Sie eine gültige Telefonnummer ein.',
      label_country: 'Land oder Region',
      /** The text a WhatsApp message carries where no approved template is used (the webhook provider): as the SMS. */
      message:
        'Ihr Bestätigungscode für {app_name} lautet {code}. Er ist {minutes, plural, one {{minutes} Minute} other {{minutes} Minuten}} gültig. Geben Sie ihn nicht weiter.',
      /** The hosted code page's link to have the code sent on WhatsApp instead. */
      offer: 'Code stattdessen per WhatsApp senden',
    },
    call: {
      title: 'Code per Anruf erhalten',
      lead: '{app} ruft diese Nummer an und liest einen Bestätigungscode vor.',
      tab: 'Anruf',
      label: 'Telefonnummer',
      change: 'Andere Nummer verwenden',
      error_invalid: 'Geben Sie eine gültige Telefonnummer ein.',
      label_country: 'Land oder Region',
      /** Spoken, twice: `{code}` is read out character by character, with pauses. */
      message: 'Ihr Bestätigungscode für {app_name} lautet {code}.',
      /** The text-to-speech language (BCP 47) the call is spoken in. */
      voice_language: 'de-DE',
      /** The hosted code page's link to have the code read out by a phone call instead. */
      offer: 'Stattdessen anrufen',
    },
  },
} satisfies LocaleTexts
