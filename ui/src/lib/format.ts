/** Dates and numbers shown in the language of the interface. */
import type { Lang } from '../i18n';

const LOCALES: Record<Lang, string> = { fr: 'fr-FR', en: 'en-GB' };

/** A timestamp as "12 mars 2025, 14:05"; `null`/invalid gives `fallback`. */
export function formatDateTime(iso: string | null | undefined, lang: Lang, fallback: string): string {
  if (!iso) return fallback;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return fallback;
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A calendar date (`YYYY-MM-DD`) as "12 mars 2025", without any time-zone shift. */
export function formatDate(ymd: string | null | undefined, lang: Lang, fallback = ''): string {
  if (!ymd) return fallback;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd);
  if (!m) return ymd;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

/** Percentage 0-100 of a progress report; unknown totals give `null` (indeterminate bar). */
export function progressPercent(done: number, total: number): number | null {
  if (!Number.isFinite(total) || total <= 0) return null;
  return Math.max(0, Math.min(100, Math.round((done / total) * 100)));
}
