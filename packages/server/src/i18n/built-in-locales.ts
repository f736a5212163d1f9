import type { LocaleTexts } from './locale-texts.js'
import { ar } from './locales/ar.js'
import { de } from './locales/de.js'
import { en } from './locales/en.js'
import { es } from './locales/es.js'
import { fr } from './locales/fr.js'
import { hi } from './locales/hi.js'
import { ja } from './locales/ja.js'
import { ko } from './locales/ko.js'
import { ptBR } from './locales/pt-BR.js'
import { ru } from './locales/ru.js'
import { zhCN } from './locales/zh-CN.js'
import { zhTW } from './locales/zh-TW.js'

/**
 * The locales Tessera ships, one line each: tag → its texts. The supported
 * locales, and so what requests and app defaults can match, are these keys.
 * Order matters only among tags of one language (the first is the match for a
 * bare language tag), so list a language's most general variant first.
 */
export const BUILT_IN_LOCALES = {
  en,
  'zh-CN': zhCN,
  'zh-TW': zhTW,
  es,
  fr,
  de,
  ja,
  ko,
  'pt-BR': ptBR,
  ru,
  ar,
  hi,
} as const satisfies Readonly<Record<string, LocaleTexts>>
