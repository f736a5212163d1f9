import type { LocaleTexts } from '../locale-texts.js'

/** Arabic. */
export const ar = {
  country: 'SA',
  pages: {
    choose_channel: 'كيف تريد أن يصلك الرمز؟',
    send_code: 'إرسال الرمز',
    title_code: 'أدخل الرمز',
    lead_code: 'أرسلنا رمزًا إلى {to}.',
    lead_code_link: 'أرسلنا رمزًا ورابط تسجيل دخول إلى {to}.',
    title_link: 'تحقّق من بريدك الإلكتروني',
    lead_link_only: 'أرسلنا رابط تسجيل دخول إلى {to}. افتحه للمتابعة.',
    resend_link: 'إرسال رابط جديد',
    label_code: 'رمز التحقق',
    code_hint:
      'يتكوّن الرمز من {length, plural, one {خانة واحدة} two {خانتين} few {{length} خانات} many {{length} خانة} other {{length} خانة}}.',
    verify: 'تحقق',
    resend: 'إرسال رمز جديد',
    resend_in: 'يمكنك طلب رمز جديد بعد {time}',
    sent_again: 'رمز جديد في الطريق إليك.',
    error_wrong_code: 'الرمز غير صحيح. المحاولات المتبقية: {n}.',
    error_expired: 'انتهت صلاحية الرمز. اطلب رمزًا جديدًا للمتابعة.',
    error_locked: 'أدخلت رموزًا خاطئة مرات كثيرة. استخدم رقمًا أو بريدًا آخر، أو حاول لاحقًا.',
    error_too_many_sends: 'طلبت رموزًا كثيرة. حاول مرة أخرى لاحقًا.',
    error_resend_too_soon:
      'يُرجى الانتظار {seconds, plural, one {ثانية واحدة} two {ثانيتين} few {{seconds} ثوانٍ} many {{seconds} ثانية} other {{seconds} ثانية}} قبل طلب رمز آخر.',
    error_rate_limited: 'محاولات كثيرة جدًا. حاول مرة أخرى بعد بضع دقائق.',
    error_delivery: 'تعذّر إرسال الرمز. حاول مرة أخرى بعد قليل.',
    error_generic: 'حدث خطأ ما. حاول مرة أخرى.',
    error_form_expired: 'انتهت صلاحية النموذج. أعد تحميل الصفحة وحاول مرة أخرى.',
    expired_title: 'انتهت صلاحية هذه الصفحة',
    expired_text: 'ارجع إلى {app} وابدأ من جديد.',
    not_found_title: 'هذه الصفحة غير متاحة',
    not_found_text: 'الرابط غير مكتمل أو لم يعد صالحًا.',
    done_title: 'تم التحقق بنجاح',
    done_text: 'اكتمل التحقق. يمكنك إغلاق هذه الصفحة.',
    confirm_title: 'أكّد أنك أنت',
    confirm_text: 'أكّد للمتابعة إلى {app} باسم {to}.',
    confirm_button: 'تأكيد',
    link_invalid_title: 'لم يعد هذا الرابط يعمل',
    link_invalid_text: 'سبق استخدامه أو انتهت صلاحيته. ارجع إلى {app} للحصول على رابط جديد.',
    secured_by: 'محمي بواسطة Tessera',
  },
  channels: {
    sms: {
      title: 'تأكيد رقم هاتفك',
      lead: 'سيرسل {app} رمز تحقق في رسالة نصية إلى هذا الرقم.',
      tab: 'رسالة نصية',
      label: 'رقم الهاتف',
      change: 'استخدام رقم آخر',
      error_invalid: 'أدخل رقم هاتف صحيحًا.',
      label_country: 'البلد أو المنطقة',
      message:
        'رمز التحقق لدى {app_name}: {code}. صالح لمدة {minutes, plural, one {دقيقة واحدة} two {دقيقتين} few {{minutes} دقائق} many {{minutes} دقيقة} other {{minutes} دقيقة}}. لا تشاركه مع أحد.',
    },
    email: {
      title: 'تأكيد بريدك الإلكتروني',
      lead: 'سيرسل {app} رمز تحقق إلى هذا العنوان.',
      tab: 'البريد الإلكتروني',
      label: 'البريد الإلكتروني',
      change: 'استخدام بريد إلكتروني آخر',
      error_invalid: 'أدخل بريدًا إلكترونيًا صحيحًا.',
      subject: 'رمز التحقق الخاص بك في {app_name}',
      intro: 'رمز التحقق الخاص بك في {app_name} هو:',
      expiry:
        'تنتهي صلاحية الرمز خلال {minutes, plural, one {دقيقة واحدة} two {دقيقتين} few {{minutes} دقائق} many {{minutes} دقيقة} other {{minutes} دقيقة}}.',
      ignore: 'إذا لم تطلب هذا الرمز، يمكنك تجاهل هذه الرسالة. لا تشارك هذا الرمز مع أي شخص.',
      link_beside: 'أو أكّد عبر هذا الرابط (يعمل مرة واحدة):',
      link_subject: '{app_name}: أكّد أنك أنت',
      link_intro: 'للمتابعة في {app_name}، أكّد أنك أنت عبر هذا الرابط. يعمل الرابط مرة واحدة فقط.',
      link_button: 'نعم، هذا أنا',
    },
    whatsapp: {
      title: 'تحقّق من رقم واتساب',
      lead: 'سيرسل {app} رمز تحقق إلى هذا الرقم عبر واتساب.',
      tab: 'واتساب',
      label: 'رقم واتساب',
      change: 'استخدام رقم آخر',
      error_invalid: 'أدخل رقم هاتف صحيحًا.',
      label_country: 'البلد أو المنطقة',
      /** The text a WhatsApp message carries where no approved template is used (the webhook provider): as the SMS. */
      message:
        'رمز التحقق لدى {app_name}: {code}. صالح لمدة {minutes, plural, one {دقيقة واحدة} two {دقيقتين} few {{minutes} دقائق} many {{minutes} دقيقة} other {{minutes} دقيقة}}. لا تشاركه مع أحد.',
      /** The hosted code page's link to have the code sent on WhatsApp instead. */
      offer: 'أرسل الرمز عبر واتساب بدلًا من ذلك',
    },
    call: {
      title: 'احصل على الرمز عبر مكالمة',
      lead: 'سيتصل {app} بهذا الرقم ويقرأ عليك رمز التحقق.',
      tab: 'مكالمة هاتفية',
      label: 'رقم الهاتف',
      change: 'استخدام رقم آخر',
      error_invalid: 'أدخل رقم هاتف صحيحًا.',
      label_country: 'البلد أو المنطقة',
      /** Spoken, twice: `{code}` is read out character by character, with pauses. */
      message: 'رمز التحقق الخاص بـ {app_name} هو {code}.',
      /** The text-to-speech language (BCP 47) the call is spoken in. */
      voice_language: 'ar-XA',
      /** The hosted code page's link to have the code read out by a phone call instead. */
      offer: 'اتصل بي بدلًا من ذلك',
    },
  },
} satisfies LocaleTexts
