import type { LocaleTexts } from '../locale-texts.js'

/** French: vous, as apps write it. */
export const fr = {
  country: 'FR',
  pages: {
    choose_channel: 'Comment souhaitez-vous recevoir votre code ?',
    send_code: 'Envoyer le code',
    title_code: 'Saisissez votre code',
    lead_code: 'Nous avons envoyé un code à {to}.',
    lead_code_link: 'Nous avons envoyé un code et un lien de connexion à {to}.',
    title_link: 'Consultez vos e-mails',
    lead_link_only: 'Nous avons envoyé un lien de connexion à {to}. Ouvrez-le pour continuer.',
    resend_link: 'Envoyer un nouveau lien',
    label_code: 'Code de vérification',
    code_hint: 'Le code comporte {length, plural, one {{length} caractère} other {{length} caractères}}.',
    verify: 'Vérifier',
    resend: 'Envoyer un nouveau code',
    resend_in: 'Nouveau code possible dans {time}',
    sent_again: 'Un nouveau code est en route.',
    error_wrong_code: 'Ce code n’est pas le bon. Essais restants : {n}.',
    error_expired: 'Ce code a expiré. Demandez-en un nouveau pour continuer.',
    error_locked: 'Trop de codes erronés. Utilisez un autre numéro ou une autre adresse, ou réessayez plus tard.',
    error_too_many_sends: 'Vous avez demandé trop de codes. Réessayez plus tard.',
    error_resend_too_soon:
      'Veuillez patienter {seconds, plural, one {{seconds} seconde} other {{seconds} secondes}} avant de demander un autre code.',
    error_rate_limited: 'Trop de tentatives. Réessayez dans quelques minutes.',
    error_delivery: 'Nous n’avons pas pu envoyer le code. Réessayez dans un instant.',
    error_generic: 'Une erreur s’est produite. Veuillez réessayer.',
    error_form_expired: 'Ce formulaire a expiré. Rechargez la page et réessayez.',
    expired_title: 'Cette page a expiré',
    expired_text: 'Revenez sur {app} et recommencez.',
    not_found_title: 'Cette page n’est pas disponible',
    not_found_text: 'Le lien est incomplet ou n’est plus valide.',
    done_title: 'Vérification réussie',
    done_text: 'La vérification est terminée. Vous pouvez fermer cette page.',
    confirm_title: 'Confirmez qu’il s’agit bien de vous',
    confirm_text: 'Confirmez pour continuer sur {app} en tant que {to}.',
    confirm_button: 'Confirmer',
    link_invalid_title: 'Ce lien ne fonctionne plus',
    link_invalid_text: 'Il a déjà été utilisé ou a expiré. Revenez sur {app} pour en obtenir un nouveau.',
    secured_by: 'Sécurisé par Tessera',
  },
  channels: {
    sms: {
      title: 'Vérifiez votre numéro de téléphone',
      lead: '{app} va envoyer un code de vérification par SMS à ce numéro.',
      tab: 'SMS',
      label: 'Numéro de téléphone',
      change: 'Utiliser un autre numéro',
      error_invalid: 'Saisissez un numéro de téléphone valide.',
      label_country: 'Pays ou région',
      message:
        'Votre code de vérification {app_name} est {code}. Il expire dans {minutes, plural, one {{minutes} minute} other {{minutes} minutes}}. Ne le communiquez à personne.',
    },
    email: {
      title: 'Vérifiez votre adresse e-mail',
      lead: '{app} va envoyer un code de vérification à cette adresse.',
      tab: 'E-mail',
      label: 'Adresse e-mail',
      change: 'Utiliser une autre adresse',
      error_invalid: 'Saisissez une adresse e-mail valide.',
      subject: 'Votre code de vérification {app_name}',
      intro: 'Votre code de vérification {app_name} est :',
      expiry: 'Il expire dans {minutes, plural, one {{minutes} minute} other {{minutes} minutes}}.',
      ignore:
        'Si vous n’êtes pas à l’origine de cette demande, vous pouvez ignorer cet e-mail. Ne communiquez jamais ce code à personne.',
      link_beside: 'Ou confirmez avec ce lien (utilisable une seule fois) :',
      link_subject: '{app_name} : confirmez qu’il s’agit bien de vous',
      link_intro:
        'Pour continuer sur {app_name}, confirmez qu’il s’agit bien de vous avec ce lien. Il n’est utilisable qu’une fois.',
      link_button: 'C’est bien moi',
    },
    whatsapp: {
      title: 'Vérifiez votre numéro WhatsApp',
      lead: '{app} va envoyer un code de vérification sur WhatsApp à ce numéro.',
      tab: 'WhatsApp',
      label: 'Numéro WhatsApp',
      change: 'Utiliser un autre numéro',
      error_invalid: 'Saisissez un numéro de téléphone valide.',
      label_country: 'Pays ou région',
      /** The text a WhatsApp message carries where no approved template is used (the webhook provider): as the SMS. */
      message:
        'Votre code de vérification {app_name} est {code}. Il expire dans {minutes, plural, one {{minutes} minute} other {{minutes} minutes}}. Ne le communiquez à personne.',
      /** The hosted code page's link to have the code sent on WhatsApp instead. */
      offer: 'Recevoir le code sur WhatsApp',
    },
    call: {
      title: 'Recevez votre code par appel',
      lead: '{app} va appeler ce numéro et vous dicter un code de vérification.',
      tab: 'Appel vocal',
      label: 'Numéro de téléphone',
      change: 'Utiliser un autre numéro',
      error_invalid: 'Saisissez un numéro de téléphone valide.',
      label_country: 'Pays ou région',
      /** Spoken, twice: `{code}` is read out character by character, with pauses. */
      message: 'Votre code de vérification {app_name} est {code}.',
      /** The text-to-speech language (BCP 47) the call is spoken in. */
      voice_language: 'fr-FR',
      /** The hosted code page's link to have the code read out by a phone call instead. */
      offer: 'M’appeler plutôt',
    },
  },
} satisfies LocaleTexts
