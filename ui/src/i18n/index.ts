/**
 * The current language and its dictionary. `$t` is the dictionary of the current
 * language (`$t.home.title`, `$t.unlock.attemptsLeft(3)`); `$pick` chooses the right
 * half of a `{fr, en}` message coming from the Rust side. The language comes from the
 * settings (`AppStatus.settings.lang`); French until they are known.
 */
import { derived, get, writable } from 'svelte/store';
import { fr } from './fr';
import { en, type Dict } from './en';
import { frenchSpacing } from './typography';

export type Lang = 'fr' | 'en';
export type { Dict };

export const dictionaries: Record<Lang, Dict> = { fr, en };

export const lang = writable<Lang>('fr');

export const t = derived(lang, ($lang) => dictionaries[$lang]);

/** Picks the text of a two-language message, falling back to French. */
export function pickMessage(message: { fr: string; en: string } | null | undefined, l: Lang): string {
  if (!message) return '';
  if (l === 'en' && message.en) return message.en;
  return frenchSpacing(message.fr || message.en || '');
}

export const pick = derived(lang, ($lang) => (m: { fr: string; en: string } | null | undefined) => pickMessage(m, $lang));

/** Accepts anything that may come from settings; unknown values fall back to French. */
export function normalizeLang(value: unknown): Lang {
  return value === 'en' ? 'en' : 'fr';
}

export function setLang(value: unknown): void {
  const l = normalizeLang(value);
  if (get(lang) !== l) lang.set(l);
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}
