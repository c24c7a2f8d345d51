/**
 * Dates and numbers as shown. Dates are always day first, in digits (12/03/2025), as
 * they are typed in the forms and written in titles, whatever the language or the
 * system's locale: one way to read a date on every screen.
 */
import type { Lang } from '../i18n';

const pad = (n: number) => String(n).padStart(2, '0');

/** A timestamp in local time as "12/03/2025 à 14:05" ("12/03/2025, 14:05" in English);
 * `null`/invalid gives `fallback`. */
export function formatDateTime(iso: string | null | undefined, lang: Lang, fallback: string): string {
  if (!iso) return fallback;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return fallback;
  const day = `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return lang === 'fr' ? `${day} à ${time}` : `${day}, ${time}`;
}

/** A calendar date (`YYYY-MM-DD`) as "12/03/2025", without any time-zone shift. */
export function formatDate(ymd: string | null | undefined, _lang: Lang, fallback = ''): string {
  if (!ymd) return fallback;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd);
  if (!m) return ymd;
  return `${m[3]}/${m[2]}/${m[1]}`;
}

/** Percentage 0-100 of a progress report; unknown totals give `null` (indeterminate bar). */
export function progressPercent(done: number, total: number): number | null {
  if (!Number.isFinite(total) || total <= 0) return null;
  return Math.max(0, Math.min(100, Math.round((done / total) * 100)));
}
