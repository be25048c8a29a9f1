// Korean and English. The language defaults to the signed-in account's; the switcher
// changes it for this browser (remembered) and, when the API allows, for the account.
// Dates are shown in the viewer's time zone: the account's, or this device's if chosen.
import { en, type MessageKey } from './en';
import { ko } from './ko';

export type Lang = 'ko' | 'en';
const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, ko };

const LANG_KEY = 'portwatch.lang';
const TZ_KEY = 'portwatch.tz';

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function store(key: string, value: string | null) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* private mode */
  }
}

function browserLang(): Lang {
  const s = stored(LANG_KEY);
  if (s === 'ko' || s === 'en') return s;
  return typeof navigator !== 'undefined' && navigator.language?.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export const deviceTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

class I18n {
  lang = $state<Lang>(browserLang());
  /** The account's time zone (from the viewer). */
  accountTimeZone = $state<string | null>(null);
  /** 'account' (default) or 'device'. */
  tzMode = $state<'account' | 'device'>(stored(TZ_KEY) === 'device' ? 'device' : 'account');

  get timeZone(): string {
    return this.tzMode === 'device' || !this.accountTimeZone ? deviceTimeZone : this.accountTimeZone;
  }

  /** Use the account's language unless this browser chose one explicitly. */
  adoptAccount(lang: Lang, timeZone: string) {
    this.accountTimeZone = timeZone;
    const s = stored(LANG_KEY);
    this.lang = s === 'ko' || s === 'en' ? s : lang;
    this.apply();
  }
  choose(lang: Lang) {
    this.lang = lang;
    store(LANG_KEY, lang);
    this.apply();
  }
  /** After sign-out the next person gets the default again. */
  forget() {
    store(LANG_KEY, null);
    this.accountTimeZone = null;
  }
  setTzMode(mode: 'account' | 'device') {
    this.tzMode = mode;
    store(TZ_KEY, mode === 'device' ? 'device' : null);
  }
  apply() {
    if (typeof document !== 'undefined') document.documentElement.lang = this.lang;
  }
}

export const i18n = new I18n();

/** Translates `key`, replacing `{name}` placeholders. Reactive: re-runs when the language changes. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  let s = dictionaries[i18n.lang][key] ?? en[key] ?? key;
  if (params) for (const [k, v] of Object.entries(params)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** Whether `key` is a message (for codes that come from the API). */
export function hasKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** The BCP 47 locale for Intl formatting. */
export function locale(): string {
  return i18n.lang === 'ko' ? 'ko-KR' : 'en-GB';
}
