/**
 * The UI's messages (vue-i18n, Composition mode). Every user-visible string is a key `<area>.<name>`; each area is one
 * JSON file per language, `locales/<lang>/<area>.json`, found here by glob so a new area needs no registration.
 * `errors.json` (English) is generated from the Rust catalog by `make bindings`; the Spanish one is written by hand.
 * English is the fallback. Components use `useI18n().t`; plain TS (stores, lib) uses the exported `t`.
 */
import { createI18n } from "vue-i18n";

export const LANGUAGES = ["en", "es"] as const;
export type Language = (typeof LANGUAGES)[number];

type Tree = { [key: string]: string | Tree };

const files = import.meta.glob<{ default: Tree }>("./locales/*/*.json", { eager: true });

/** `{ en: { common: {...}, today: {...} }, es: {...} }` from `./locales/<lang>/<area>.json`. */
export function loadMessages(found: Record<string, { default: Tree }> = files): Record<Language, Tree> {
  const messages = Object.fromEntries(LANGUAGES.map((l) => [l, {} as Tree])) as Record<Language, Tree>;
  for (const [path, mod] of Object.entries(found)) {
    const m = /\.\/locales\/([a-z]+)\/([A-Za-z0-9_-]+)\.json$/.exec(path);
    if (!m || !(LANGUAGES as readonly string[]).includes(m[1])) continue;
    messages[m[1] as Language][m[2]] = mod.default;
  }
  return messages;
}

export const i18n = createI18n({
  legacy: false,
  locale: "en",
  fallbackLocale: "en",
  messages: loadMessages(),
  missingWarn: false,
  fallbackWarn: false,
});

/** The translator for plain TS (stores, lib); components use `useI18n()`. */
export const t = i18n.global.t;
/** Whether a key exists in the current language or the fallback. */
export const te = (key: string) => i18n.global.te(key) || i18n.global.te(key, "en");

export function isLanguage(v: unknown): v is Language {
  return typeof v === "string" && (LANGUAGES as readonly string[]).includes(v);
}

export function setLanguage(lang: Language) {
  i18n.global.locale.value = lang;
  if (typeof document !== "undefined") document.documentElement.lang = lang;
}
