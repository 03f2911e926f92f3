// The page's language: the reader's first preferred language that this page speaks
// (its words are Korean and English), as the browser names it, so that en-GB gets
// British dates and en-US American ones. Korean when the browser prefers neither.
const SPOKEN = ['ko', 'en'];
const FALLBACK = 'ko-KR';

function pageLocale(preferred: readonly string[]): string {
  for (const tag of preferred) {
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (SPOKEN.includes(new Intl.Locale(canonical).language)) return canonical;
    } catch {
      // not a language tag: the next one
    }
  }
  return FALLBACK;
}

export const LOCALE = pageLocale(navigator.languages?.length ? navigator.languages : [navigator.language]);

// <html lang> says it too: screen readers, hyphenation and fonts follow it.
document.documentElement.lang = LOCALE;

const dateTime = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short' });

/** An ISO 8601 instant as a date and time in the page's language and the reader's time zone. */
export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}
