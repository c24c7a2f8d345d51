/**
 * French typography for text shown on screen: a non-breaking space before « : », « ; »,
 * « ? », « ! » and « » », after « « », and before « · » (a line may break after it), so
 * a narrow phone never puts the punctuation alone at the start of a line. Applied to the whole French dictionary
 * (`fr.ts`) and to the French half of every message from Rust (`pickMessage`), so no
 * string has to be typed with invisible characters.
 */

const NBSP = '\u00a0';

export function frenchSpacing(text: string): string {
  return text
    .replace(/[ \t]+([:;?!»])/g, `${NBSP}$1`)
    .replace(/«[ \t]+/g, `«${NBSP}`)
    .replace(/[ \t\u00a0]*·[ \t]*/g, `${NBSP}· `);
}

/** `dict` with `frenchSpacing` applied to every string and to what every function returns
 * (functions keep their arity, which the dictionary tests compare across languages). */
export function withFrenchSpacing<T>(dict: T): T {
  if (typeof dict === 'string') return frenchSpacing(dict) as T;
  if (typeof dict === 'function') {
    const fn = dict as unknown as (...args: unknown[]) => unknown;
    const wrapped = (...args: unknown[]) => {
      const out = fn(...args);
      return typeof out === 'string' ? frenchSpacing(out) : out;
    };
    Object.defineProperty(wrapped, 'length', { value: fn.length });
    return wrapped as T;
  }
  if (Array.isArray(dict)) {
    return dict.map((v) => withFrenchSpacing(v)) as T;
  }
  if (typeof dict === 'object' && dict !== null) {
    return Object.fromEntries(Object.entries(dict).map(([k, v]) => [k, withFrenchSpacing(v)])) as T;
  }
  return dict;
}
