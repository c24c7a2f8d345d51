/**
 * Labels from the vocabulary (`vocabulary()`): every value list carries its French and
 * English label per code, so the front end keeps no copy of them. Also the
 * administrative units (communes by name with their cercle and region) and committees.
 * Pure functions; the vocabulary itself is loaded once by vocab.ts.
 */
import type { AdminUnit } from '../bindings/AdminUnit';
import type { Vocabulary } from '../bindings/Vocabulary';

export type Lang = 'fr' | 'en';

export interface Option {
  code: string;
  label: string;
}

/** The codes of a value list, in the backend's order (empty for an unknown list). */
export function codes(vocab: Vocabulary | null | undefined, list: string): string[] {
  return vocab?.lists.find((l) => l.name === list)?.values.map((v) => v.code) ?? [];
}

/** The options of a value list, labelled in `lang`. */
export function options(vocab: Vocabulary | null | undefined, list: string, lang: Lang): Option[] {
  const values = vocab?.lists.find((l) => l.name === list)?.values ?? [];
  return values.map((v) => ({ code: v.code, label: (lang === 'en' ? v.en : v.fr) || v.fr || v.code }));
}

/** The label of one code; an unknown code (a newer device's) is shown as it is. */
export function label(vocab: Vocabulary | null | undefined, list: string, code: unknown, lang: Lang): string {
  if (code === null || code === undefined || code === '') return '';
  const v = vocab?.lists.find((l) => l.name === list)?.values.find((x) => x.code === code);
  if (!v) return String(code);
  return (lang === 'en' ? v.en : v.fr) || v.fr || String(code);
}

/** The first code of a list (a new item's default). */
export function firstCode(vocab: Vocabulary | null | undefined, list: string): string {
  return codes(vocab, list)[0] ?? '';
}

// ---------------------------------------------------------------- administrative units

export function unitByCode(vocab: Vocabulary | null | undefined, code: string | null | undefined): AdminUnit | undefined {
  if (!code) return undefined;
  return vocab?.units.find((u) => u.code === code);
}

/** A unit's name; an unknown code is shown as it is. */
export function unitName(vocab: Vocabulary | null | undefined, code: string | null | undefined): string {
  if (!code) return '';
  return unitByCode(vocab, code)?.name ?? code;
}

/** Lower case without accents, for searching "menaka" in "Ménaka". */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
}

export interface UnitOption extends Option {
  /** The words a search matches: the unit's name and those of its parents. */
  search: string;
}

/**
 * Units of one level as options, sorted by name: "Goundam (Goundam, Tombouctou)".
 * `parent` keeps those under one unit (cercles of a region, communes of a cercle or of a
 * region). `until(date)` labels units that ended (before the 2023 reform).
 */
export function unitOptions(
  vocab: Vocabulary | null | undefined,
  level: AdminUnit['level'],
  opts: { parent?: string | null; until?: (date: string) => string } = {},
): UnitOption[] {
  const units = vocab?.units ?? [];
  const byCode = new Map(units.map((u) => [u.code, u]));
  const within = (u: AdminUnit) => !opts.parent || u.code.startsWith(`${opts.parent}/`);
  return units
    .filter((u) => u.level === level && within(u))
    .map((u) => {
      const parents: string[] = [];
      for (let p = u.parent; p; p = byCode.get(p)?.parent ?? null) parents.push(byCode.get(p)?.name ?? p);
      const ended = u.valid_to && opts.until ? ` — ${opts.until(u.valid_to)}` : '';
      const where = parents.length ? ` (${parents.join(', ')})` : '';
      return { code: u.code, label: `${u.name}${where}${ended}`, search: fold([u.name, ...parents].join(' ')) };
    })
    .sort((a, b) => a.label.localeCompare(b.label, 'fr'));
}

/** Options whose search words start with every word typed; the selected one stays. */
export function filterOptions<T extends UnitOption>(all: readonly T[], query: string, keep?: string | null): T[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...all];
  return all.filter(
    (o) => o.code === keep || words.every((w) => o.search.split(/[\s'’-]+/).some((s) => s.startsWith(w))),
  );
}

// ---------------------------------------------------------------- committees

export function committeeName(vocab: Vocabulary | null | undefined, id: string | null | undefined): string {
  if (!id) return '';
  return vocab?.committees.find((c) => c.id === id)?.name ?? id;
}
