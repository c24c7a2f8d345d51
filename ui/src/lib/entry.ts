/**
 * What a person types in a date, time or count field, read the same way whatever the
 * system's locale: dates day first (jj/mm/aaaa), times on 24 hours (HH:MM), counts in
 * digits. The inputs are plain text fields with these masks, not `<input type=date>`,
 * whose display follows the system locale in WebKitGTK (month first under C or en_US).
 * The form keeps storing what core reads: ISO dates (`YYYY-MM-DD`), `HH:MM`, numbers.
 *
 * A value that cannot be read is never dropped silently: `parse*` says why, and the
 * field shows it beside the input.
 */

/** Why typed text is not a value. */
export type EntryProblem =
  /** Some digits are missing (`05/11/20`). */
  | 'incomplete'
  /** Complete but impossible (`31/02/2026`, `25:10`). */
  | 'impossible'
  /** Not a number (`douze`). */
  | 'not_a_number'
  /** A number with a fraction (`12,5`). */
  | 'not_whole';

export type Entry<T> = { kind: 'empty' } | { kind: 'ok'; value: T } | { kind: 'bad'; problem: EntryProblem };

const SEPARATOR = /[/.\-\s]/;

/**
 * The text of a date field as the person types it: digits grouped day/month/year with
 * « / » put in for her (`01122026` → `01/12/2026`, `1/12` → `01/12`). A group is
 * closed by a separator or by its second digit followed by another; nothing is added at
 * the end, so backspace goes back over what she typed.
 */
export function maskDate(raw: string): string {
  const groups: string[] = [''];
  for (const ch of raw) {
    const g = groups.length - 1;
    if (ch >= '0' && ch <= '9') {
      if (g < 2 && groups[g].length === 2) groups.push(ch);
      else if (g === 2 && groups[g].length === 4) continue;
      else groups[g] += ch;
    } else if (SEPARATOR.test(ch) && g < 2 && groups[g] !== '') {
      groups[g] = groups[g].padStart(2, '0');
      groups.push('');
    }
  }
  return groups.join('/');
}

function realDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** A date typed day first, as the ISO date the form stores. */
export function parseDate(raw: string): Entry<string> {
  const text = maskDate(raw.trim());
  if (raw.trim() === '') return { kind: 'empty' };
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  if (!m) return { kind: 'bad', problem: 'incomplete' };
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!realDate(y, mo, d)) return { kind: 'bad', problem: 'impossible' };
  return { kind: 'ok', value: `${m[3]}-${m[2]}-${m[1]}` };
}

/** An ISO date (`2026-12-01`) as the field shows it (`01/12/2026`); anything else as it is. */
export function showDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

/**
 * The text of a time field as typed: hours and minutes with « : » put in (`1430` →
 * `14:30`, `9h30` → `09:30`, `930` → `09:30`: an hour cannot start with 3 to 9 and
 * another digit).
 */
export function maskTime(raw: string): string {
  const groups: string[] = [''];
  for (const ch of raw) {
    const g = groups.length - 1;
    if (ch >= '0' && ch <= '9') {
      if (g === 0 && groups[0].length === 1 && groups[0] > '2') {
        groups[0] = groups[0].padStart(2, '0');
        groups.push(ch);
      } else if (g === 0 && groups[0].length === 2) groups.push(ch);
      else if (g === 1 && groups[1].length === 2) continue;
      else groups[g] += ch;
    } else if ((ch === ':' || ch === 'h' || ch === 'H' || SEPARATOR.test(ch)) && g === 0 && groups[0] !== '') {
      groups[0] = groups[0].padStart(2, '0');
      groups.push('');
    }
  }
  return groups.join(':');
}

/** A time typed on 24 hours, as `HH:MM`. */
export function parseTime(raw: string): Entry<string> {
  const text = maskTime(raw.trim());
  if (raw.trim() === '') return { kind: 'empty' };
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m) return { kind: 'bad', problem: 'incomplete' };
  if (Number(m[1]) > 23 || Number(m[2]) > 59) return { kind: 'bad', problem: 'impossible' };
  return { kind: 'ok', value: text };
}

/** A count typed in digits (a minus sign is kept: core says why a count cannot be negative). */
export function parseCount(raw: string): Entry<number> {
  const text = raw.trim().replace(/\s/g, '');
  if (text === '') return { kind: 'empty' };
  if (/^-?\d+$/.test(text)) return { kind: 'ok', value: Number(text) };
  if (/^-?\d+[.,]\d*$/.test(text)) return { kind: 'bad', problem: 'not_whole' };
  return { kind: 'bad', problem: 'not_a_number' };
}
