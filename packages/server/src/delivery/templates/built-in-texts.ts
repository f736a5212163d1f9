import type { SupportedLocale } from '../../i18n/locale.js'

/**
 * A text that depends on a count: one form per CLDR plural category the
 * language uses (Intl.PluralRules picks), `other` always present.
 */
export type PluralText = string | ({ readonly other: string } & Partial<Record<Intl.LDMLPluralRule, string>>)

export interface BuiltInTexts {
  /**
   * The SMS: app name, code, lifetime, do not share. Short enough for one
   * segment with a short app name (a test holds each to it), ASCII
   * punctuation where the language fits GSM-7.
   */
  readonly sms: PluralText
  readonly emailSubject: string
  /** The line above the code. */
  readonly emailIntro: string
  readonly emailExpiry: PluralText
  /** Why the person may ignore the mail, and never to share the code. */
  readonly emailIgnore: string
}

/**
 * Tessera's own texts, written as a native speaker would write them, with
 * `{code}`, `{app_name}` and `{minutes}`. Formal address where the language
 * has one (Sie, vous), as a service speaking for someone else's app should.
 */
export const BUILT_IN_TEXTS: Readonly<Record<SupportedLocale, BuiltInTexts>> = {
  en: {
    sms: {
      one: "Your {app_name} verification code is {code}. It expires in {minutes} minute. Don't share it with anyone.",
      other:
        "Your {app_name} verification code is {code}. It expires in {minutes} minutes. Don't share it with anyone.",
    },
    emailSubject: 'Your {app_name} verification code',
    emailIntro: 'Your {app_name} verification code is:',
    emailExpiry: { one: 'It expires in {minutes} minute.', other: 'It expires in {minutes} minutes.' },
    emailIgnore: 'If you didn’t ask for this code, you can ignore this email. Never share it with anyone.',
  },
  'zh-CN': {
    sms: '您的{app_name}验证码是{code}，{minutes}分钟内有效。请勿将验证码告诉他人。',
    emailSubject: '您的{app_name}验证码',
    emailIntro: '您的{app_name}验证码是：',
    emailExpiry: '验证码{minutes}分钟内有效。',
    emailIgnore: '如果这不是您本人的操作，请忽略此邮件。请勿将验证码告诉任何人。',
  },
  'zh-TW': {
    sms: '您的{app_name}驗證碼為{code}，{minutes}分鐘內有效。請勿將驗證碼告訴他人。',
    emailSubject: '您的{app_name}驗證碼',
    emailIntro: '您的{app_name}驗證碼為：',
    emailExpiry: '驗證碼{minutes}分鐘內有效。',
    emailIgnore: '如果您並未要求此驗證碼，請忽略這封郵件。請勿將驗證碼告訴任何人。',
  },
  es: {
    sms: 'Tu código de {app_name} es {code}. Caduca en {minutes} min. No lo compartas.',
    emailSubject: 'Tu código de verificación de {app_name}',
    emailIntro: 'Tu código de verificación de {app_name} es:',
    emailExpiry: { one: 'Caduca en {minutes} minuto.', other: 'Caduca en {minutes} minutos.' },
    emailIgnore: 'Si no has solicitado este código, puedes ignorar este correo. No lo compartas con nadie.',
  },
  fr: {
    sms: {
      one: 'Votre code de vérification {app_name} est {code}. Il expire dans {minutes} minute. Ne le communiquez à personne.',
      other:
        'Votre code de vérification {app_name} est {code}. Il expire dans {minutes} minutes. Ne le communiquez à personne.',
    },
    emailSubject: 'Votre code de vérification {app_name}',
    emailIntro: 'Votre code de vérification {app_name} est\u00a0:',
    emailExpiry: { one: 'Il expire dans {minutes} minute.', other: 'Il expire dans {minutes} minutes.' },
    emailIgnore:
      'Si vous n’êtes pas à l’origine de cette demande, vous pouvez ignorer cet e-mail. Ne communiquez jamais ce code à personne.',
  },
  de: {
    sms: {
      one: 'Ihr Bestätigungscode für {app_name} lautet {code}. Er ist {minutes} Minute gültig. Geben Sie ihn nicht weiter.',
      other:
        'Ihr Bestätigungscode für {app_name} lautet {code}. Er ist {minutes} Minuten gültig. Geben Sie ihn nicht weiter.',
    },
    emailSubject: 'Ihr Bestätigungscode für {app_name}',
    emailIntro: 'Ihr Bestätigungscode für {app_name} lautet:',
    emailExpiry: { one: 'Der Code ist {minutes} Minute gültig.', other: 'Der Code ist {minutes} Minuten gültig.' },
    emailIgnore:
      'Falls Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren. Geben Sie den Code niemals an andere weiter.',
  },
  ja: {
    sms: '{app_name}の認証コードは{code}です。有効期限は{minutes}分です。誰にも教えないでください。',
    emailSubject: '{app_name}の認証コード',
    emailIntro: '{app_name}の認証コードは次のとおりです。',
    emailExpiry: 'このコードの有効期限は{minutes}分です。',
    emailIgnore: 'お心当たりのない場合は、このメールを破棄してください。このコードは誰にも教えないでください。',
  },
  ko: {
    sms: '{app_name} 인증번호는 {code}입니다. {minutes}분 안에 입력해 주세요. 타인에게 알려주지 마세요.',
    emailSubject: '{app_name} 인증번호 안내',
    emailIntro: '{app_name} 인증번호는 다음과 같습니다.',
    emailExpiry: '인증번호는 {minutes}분 동안 유효합니다.',
    emailIgnore: '본인이 요청하지 않았다면 이 메일은 무시하셔도 됩니다. 인증번호는 절대 다른 사람에게 알려주지 마세요.',
  },
  'pt-BR': {
    sms: 'Seu código {app_name}: {code}. Expira em {minutes} min. Não o compartilhe.',
    emailSubject: 'Seu código de verificação para {app_name}',
    emailIntro: 'Seu código de verificação para {app_name} é:',
    emailExpiry: { one: 'Ele expira em {minutes} minuto.', other: 'Ele expira em {minutes} minutos.' },
    emailIgnore: 'Se você não solicitou este código, ignore este e-mail. Nunca compartilhe o código com ninguém.',
  },
  ru: {
    sms: 'Код {app_name}: {code}. Действует {minutes} мин. Никому его не сообщайте.',
    emailSubject: 'Ваш код подтверждения для {app_name}',
    emailIntro: 'Ваш код подтверждения для {app_name}:',
    emailExpiry: {
      one: 'Код действует {minutes} минуту.',
      few: 'Код действует {minutes} минуты.',
      many: 'Код действует {minutes} минут.',
      other: 'Код действует {minutes} минуты.',
    },
    emailIgnore: 'Если вы не запрашивали код, просто проигнорируйте это письмо. Никому не сообщайте этот код.',
  },
  ar: {
    sms: {
      one: 'رمز التحقق في {app_name}: {code}. صالح لمدة دقيقة واحدة. لا تشاركه مع أحد.',
      two: 'رمز التحقق في {app_name}: {code}. صالح لمدة دقيقتين. لا تشاركه مع أحد.',
      few: 'رمز التحقق في {app_name}: {code}. صالح لمدة {minutes} دقائق. لا تشاركه مع أحد.',
      other: 'رمز التحقق في {app_name}: {code}. صالح لمدة {minutes} دقيقة. لا تشاركه مع أحد.',
    },
    emailSubject: 'رمز التحقق الخاص بك في {app_name}',
    emailIntro: 'رمز التحقق الخاص بك في {app_name} هو:',
    emailExpiry: {
      one: 'تنتهي صلاحية الرمز خلال دقيقة واحدة.',
      two: 'تنتهي صلاحية الرمز خلال دقيقتين.',
      few: 'تنتهي صلاحية الرمز خلال {minutes} دقائق.',
      other: 'تنتهي صلاحية الرمز خلال {minutes} دقيقة.',
    },
    emailIgnore: 'إذا لم تطلب هذا الرمز، يمكنك تجاهل هذه الرسالة. لا تشارك هذا الرمز مع أي شخص.',
  },
  hi: {
    sms: 'आपका {app_name} कोड {code} है। {minutes} मिनट तक मान्य। किसी को न बताएं।',
    emailSubject: '{app_name} के लिए आपका सत्यापन कोड',
    emailIntro: '{app_name} के लिए आपका सत्यापन कोड है:',
    emailExpiry: 'यह कोड {minutes} मिनट तक मान्य है।',
    emailIgnore: 'अगर आपने यह कोड नहीं माँगा है, तो इस ईमेल को अनदेखा करें। यह कोड कभी किसी के साथ साझा न करें।',
  },
}

const pluralRules = new Map<string, Intl.PluralRules>()

/** The form of a plural text for a count in a locale. */
export function pluralForm(text: PluralText, locale: string, count: number): string {
  if (typeof text === 'string') return text
  let rules = pluralRules.get(locale)
  if (!rules) {
    // Building the rules costs far more than using them; the locales are few.
    rules = new Intl.PluralRules(locale)
    pluralRules.set(locale, rules)
  }
  return text[rules.select(count)] ?? text.other
}
