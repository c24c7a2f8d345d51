import { describe, expect, it } from 'vitest';
import { fr } from './fr';
import { en } from './en';
import { normalizeLang, pickMessage } from './index';
import { frenchSpacing } from './typography';

type Leaf = { path: string; value: unknown };

function leaves(obj: unknown, prefix = ''): Leaf[] {
  if (typeof obj !== 'object' || obj === null) return [{ path: prefix, value: obj }];
  return Object.entries(obj).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

/** Calls a dictionary function with plausible arguments of each arity. */
function samples(fn: (...args: never[]) => unknown): unknown[] {
  const args = [0, 1, 2, 5, 21].map((n) => Array.from({ length: fn.length }, (_, i) => (i === 0 ? n : n + i)));
  return args.map((a) => (fn as (...args: unknown[]) => unknown)(...a));
}

describe('dictionaries', () => {
  const frLeaves = leaves(fr);
  const enLeaves = leaves(en);

  it('French and English have exactly the same keys', () => {
    expect(enLeaves.map((l) => l.path).sort()).toEqual(frLeaves.map((l) => l.path).sort());
  });

  it.each([
    ['fr', frLeaves],
    ['en', enLeaves],
  ] as const)('%s: every entry is a non-empty string or a function giving one', (_lang, all) => {
    for (const { path, value } of all) {
      if (typeof value === 'function') {
        for (const out of samples(value as (...args: never[]) => unknown)) {
          expect(typeof out, path).toBe('string');
          // `home.problems(0, 0)` legitimately says nothing: there is nothing to report.
          if (path !== 'home.problems' && path !== 'records.problems') expect((out as string).trim(), path).not.toBe('');
        }
      } else {
        expect(typeof value, path).toBe('string');
        expect((value as string).trim(), path).not.toBe('');
      }
    }
  });

  it('a function in one language is a function with the same arity in the other', () => {
    const enByPath = new Map(enLeaves.map((l) => [l.path, l.value]));
    for (const { path, value } of frLeaves) {
      const other = enByPath.get(path);
      expect(typeof other, path).toBe(typeof value);
      if (typeof value === 'function') expect((other as () => void).length, path).toBe((value as () => void).length);
    }
  });

  it('French plurals treat 0 and 1 as singular, English only 1', () => {
    expect(fr.unlock.attemptsLeft(1)).toBe('Essai restant\u00a0: 1');
    expect(fr.unlock.attemptsLeft(3)).toBe('Essais restants\u00a0: 3');
    expect(en.unlock.attemptsLeft(1)).toBe('Attempt left: 1');
    expect(en.unlock.attemptsLeft(0)).toBe('Attempts left: 0');
    expect(fr.topbar.pending(2)).toBe('2 modifications à envoyer');
  });

  it('the wipe confirmation words differ from ordinary answers', () => {
    for (const word of [fr.settings.wipeWord, en.settings.wipeWord]) {
      expect(word).toMatch(/^\p{Lu}{4,}$/u);
      expect([fr.common.yes, en.common.yes, fr.common.open]).not.toContain(word);
    }
  });
});

describe('French typography', () => {
  /** Every French text the dictionary gives, functions called with sample arguments. */
  const texts = leaves(fr).flatMap(({ path, value }) =>
    typeof value === 'function'
      ? samples(value as (...args: never[]) => unknown).map((out) => ({ path, text: String(out) }))
      : [{ path, text: String(value) }],
  );

  it('no line can start with « : », « ; », « ? », « ! », « » » or « · »', () => {
    for (const { path, text } of texts) {
      expect(text, path).not.toMatch(/ [:;?!»·]/);
      expect(text, path).not.toMatch(/« /);
    }
  });

  it('French elisions use the apostrophe ’, never the typewriter one', () => {
    for (const { path, text } of texts) {
      expect(text, path).not.toMatch(/\b(?:[lLdDnNsSjJcCmMtT]|[qQ]u|[jJ]usqu)'[a-zA-ZÀ-ÿ]/);
    }
  });

  it('says « code secret », never jargon', () => {
    for (const { path, text } of texts) {
      expect(text, path).not.toMatch(/phrase secrète|phrase de passe|coffre/i);
    }
  });

  it('spaces French punctuation in messages from Rust too, not English ones', () => {
    expect(pickMessage({ fr: 'Date : « 12 » ; vraiment ? Oui ! A · B', en: 'Date: x' }, 'fr')).toBe(
      'Date\u00a0: «\u00a012\u00a0»\u00a0; vraiment\u00a0? Oui\u00a0! A\u00a0· B',
    );
    expect(pickMessage({ fr: 'Date : x', en: 'Date: x' }, 'en')).toBe('Date: x');
    expect(frenchSpacing('https://exemple.ml 09:30')).toBe('https://exemple.ml 09:30');
  });
});

describe('language helpers', () => {
  it('falls back to French for unknown languages', () => {
    expect(normalizeLang('en')).toBe('en');
    expect(normalizeLang('fr')).toBe('fr');
    expect(normalizeLang('bm')).toBe('fr');
    expect(normalizeLang(undefined)).toBe('fr');
  });

  it('picks the half of a message, French when the other is missing', () => {
    expect(pickMessage({ fr: 'Bonjour', en: 'Hello' }, 'en')).toBe('Hello');
    expect(pickMessage({ fr: 'Bonjour', en: '' }, 'en')).toBe('Bonjour');
    expect(pickMessage(null, 'fr')).toBe('');
  });
});
