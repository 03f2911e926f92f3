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

const relative = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'auto' });
// The largest unit that fits, with how many seconds it holds.
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** How long ago (or until) an instant, in the page's language: "3 minutes ago", "3분 전". */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit);
  }
  // Under a minute: "now" for the last few seconds, then seconds.
  return relative.format(Math.abs(seconds) < 10 ? 0 : Math.trunc(seconds), 'second');
}
