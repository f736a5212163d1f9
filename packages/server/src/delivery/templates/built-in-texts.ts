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
  /** Magic link beside the code: the line above the link. */
  readonly linkBeside: string
  /** Magic link instead of the code: subject, the line above the button, the button. */
  readonly linkSubject: string
  readonly linkIntro: string
  readonly linkButton: string
}

/**
 * Tessera's own texts, written as a native speaker would write them, with
 * `{code}`, `{app_name}` and `{minutes}`. The register is the one apps use in
 * each language: formal Sie and vous, polite Japanese and Korean, the
 * familiar tú of Latin American and Spanish apps alike.
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
    linkBeside: 'Or confirm with this link (it works once):',
    linkSubject: 'Confirm it’s you — {app_name}',
    linkIntro: 'To continue with {app_name}, confirm it’s you with this link. It works once.',
    linkButton: 'Confirm it’s me',
  },
  'zh-CN': {
    sms: '您的{app_name}验证码是{code}，{minutes}分钟内有效。请勿将验证码告诉他人。',
    emailSubject: '您的{app_name}验证码',
    emailIntro: '您的{app_name}验证码是：',
    emailExpiry: '验证码{minutes}分钟内有效。',
    emailIgnore: '如果这不是您本人的操作，请忽略此邮件。请勿将验证码告诉任何人。',
    linkBeside: '或点击以下链接确认（仅可使用一次）：',
    linkSubject: '{app_name}：请确认是您本人',
    linkIntro: '请点击以下链接，确认是您本人在使用{app_name}。该链接仅可使用一次。',
    linkButton: '确认是我本人',
  },
  'zh-TW': {
    sms: '您的{app_name}驗證碼為{code}，{minutes}分鐘內有效。請勿將驗證碼告訴他人。',
    emailSubject: '您的{app_name}驗證碼',
    emailIntro: '您的{app_name}驗證碼為：',
    emailExpiry: '驗證碼{minutes}分鐘內有效。',
    emailIgnore: '若非您本人操作，請忽略此郵件。請勿將驗證碼告訴任何人。',
    linkBeside: '或點擊以下連結確認（僅可使用一次）：',
    linkSubject: '{app_name}：請確認是您本人',
    linkIntro: '請點擊以下連結，確認是您本人使用{app_name}。此連結僅可使用一次。',
    linkButton: '確認是我本人',
  },
  es: {
    sms: 'Tu código de {app_name} es {code}. Vence en {minutes} min. No lo compartas.',
    emailSubject: 'Tu código de verificación de {app_name}',
    emailIntro: 'Tu código de verificación de {app_name} es:',
    emailExpiry: { one: 'Vence en {minutes} minuto.', other: 'Vence en {minutes} minutos.' },
    emailIgnore: 'Si no solicitaste este código, ignora este correo. No lo compartas con nadie.',
    linkBeside: 'O confirma con este enlace (funciona una sola vez):',
    linkSubject: '{app_name}: confirma que eres tú',
    linkIntro: 'Para continuar en {app_name}, confirma que eres tú con este enlace. Funciona una sola vez.',
    linkButton: 'Confirmar que soy yo',
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
    linkBeside: 'Ou confirmez avec ce lien (utilisable une seule fois)\u00a0:',
    linkSubject: '{app_name}\u00a0: confirmez qu’il s’agit bien de vous',
    linkIntro:
      'Pour continuer sur {app_name}, confirmez qu’il s’agit bien de vous avec ce lien. Il n’est utilisable qu’une fois.',
    linkButton: 'C’est bien moi',
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
    linkBeside: 'Oder bestätigen Sie über diesen Link (nur einmal gültig):',
    linkSubject: '{app_name}: Bitte bestätigen Sie, dass Sie es sind',
    linkIntro:
      'Um mit {app_name} fortzufahren, bestätigen Sie über diesen Link, dass Sie es sind. Der Link ist nur einmal gültig.',
    linkButton: 'Ja, das bin ich',
  },
  ja: {
    sms: '{app_name}の認証コードは{code}です。有効期限は{minutes}分です。誰にも教えないでください。',
    emailSubject: '{app_name}の認証コード',
    emailIntro: '{app_name}の認証コードは次のとおりです。',
    emailExpiry: 'このコードの有効期限は{minutes}分です。',
    emailIgnore: 'お心当たりのない場合は、このメールを破棄してください。このコードは誰にも教えないでください。',
    linkBeside: 'または、次のリンクから確認してください（1回のみ有効）：',
    linkSubject: '{app_name}：ご本人確認のお願い',
    linkIntro: '{app_name}を続けるには、次のリンクからご本人であることを確認してください。リンクは1回のみ有効です。',
    linkButton: '本人であることを確認する',
  },
  ko: {
    sms: '{app_name} 인증번호는 {code}입니다. {minutes}분 안에 입력해 주세요. 타인에게 알려 주지 마세요.',
    emailSubject: '{app_name} 인증번호 안내',
    emailIntro: '{app_name} 인증번호는 다음과 같습니다.',
    emailExpiry: '인증번호는 {minutes}분 동안 유효합니다.',
    emailIgnore:
      '본인이 요청하지 않았다면 이 메일은 무시하셔도 됩니다. 인증번호는 절대 다른 사람에게 알려 주지 마세요.',
    linkBeside: '또는 아래 링크로 확인해 주세요(한 번만 사용할 수 있습니다):',
    linkSubject: '{app_name} 본인 확인 안내',
    linkIntro:
      '{app_name}을(를) 계속 이용하려면 아래 링크로 본인임을 확인해 주세요. 링크는 한 번만 사용할 수 있습니다.',
    linkButton: '본인 확인하기',
  },
  'pt-BR': {
    sms: 'Seu código {app_name}: {code}. Expira em {minutes} min. Não compartilhe.',
    emailSubject: 'Seu código de verificação para {app_name}',
    emailIntro: 'Seu código de verificação para {app_name} é:',
    emailExpiry: { one: 'O código expira em {minutes} minuto.', other: 'O código expira em {minutes} minutos.' },
    emailIgnore: 'Se você não solicitou este código, ignore este e-mail. Nunca compartilhe o código com ninguém.',
    linkBeside: 'Ou confirme por este link (funciona uma única vez):',
    linkSubject: '{app_name}: confirme que é você',
    linkIntro: 'Para continuar no {app_name}, confirme que é você por este link. Ele funciona uma única vez.',
    linkButton: 'Confirmar que sou eu',
  },
  ru: {
    sms: 'Код {app_name}: {code}. Действует {minutes} мин. Никому не сообщайте этот код.',
    emailSubject: 'Ваш код подтверждения для {app_name}',
    emailIntro: 'Ваш код подтверждения для {app_name}:',
    emailExpiry: {
      one: 'Код действует {minutes} минуту.',
      few: 'Код действует {minutes} минуты.',
      many: 'Код действует {minutes} минут.',
      other: 'Код действует {minutes} минуты.',
    },
    emailIgnore: 'Если вы не запрашивали код, просто проигнорируйте это письмо. Никому не сообщайте этот код.',
    linkBeside: 'Или подтвердите по этой ссылке (она действует один раз):',
    linkSubject: '{app_name}: подтвердите, что это вы',
    linkIntro: 'Чтобы продолжить в {app_name}, подтвердите по этой ссылке, что это вы. Ссылка действует один раз.',
    linkButton: 'Да, это я',
  },
  ar: {
    sms: {
      one: 'رمز التحقق لدى {app_name}: {code}. صالح لمدة دقيقة واحدة. لا تشاركه مع أحد.',
      two: 'رمز التحقق لدى {app_name}: {code}. صالح لمدة دقيقتين. لا تشاركه مع أحد.',
      few: 'رمز التحقق لدى {app_name}: {code}. صالح لمدة {minutes} دقائق. لا تشاركه مع أحد.',
      other: 'رمز التحقق لدى {app_name}: {code}. صالح لمدة {minutes} دقيقة. لا تشاركه مع أحد.',
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
    linkBeside: 'أو أكّد عبر هذا الرابط (يعمل مرة واحدة):',
    linkSubject: '{app_name}: أكّد أنك أنت',
    linkIntro: 'للمتابعة في {app_name}، أكّد أنك أنت عبر هذا الرابط. يعمل الرابط مرة واحدة فقط.',
    linkButton: 'نعم، هذا أنا',
  },
  hi: {
    sms: 'आपका {app_name} कोड {code} है। यह {minutes} मिनट तक मान्य है। किसी को न बताएँ।',
    emailSubject: '{app_name} के लिए आपका सत्यापन कोड',
    emailIntro: '{app_name} के लिए आपका सत्यापन कोड है:',
    emailExpiry: 'यह कोड {minutes} मिनट तक मान्य है।',
    emailIgnore: 'अगर आपने यह कोड नहीं माँगा है, तो इस ईमेल को अनदेखा करें। यह कोड कभी किसी के साथ साझा न करें।',
    linkBeside: 'या इस लिंक से पुष्टि करें (यह केवल एक बार काम करता है):',
    linkSubject: '{app_name}: पुष्टि करें कि यह आप ही हैं',
    linkIntro: '{app_name} पर आगे बढ़ने के लिए, इस लिंक से पुष्टि करें कि यह आप ही हैं। लिंक केवल एक बार काम करता है।',
    linkButton: 'हाँ, यह मैं हूँ',
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
