/**
 * Error codes in the front end are the Rust `ErrorCode` values (generated union in
 * `bindings/ErrorCode.ts`). Where a code is written in a typed position, svelte-check
 * catches a misspelling; this test catches the rest (mock answers, plain objects): every
 * quoted `namespace.name` literal whose namespace is an error-code namespace must be a
 * code the backend can send.
 */
import { describe, expect, it } from 'vitest';
import { syncFailure } from './errors';
import errorCodeSource from '../bindings/ErrorCode.ts?raw';

/** Every source of the front end but the generated bindings and this test, as text. */
const files = import.meta.glob(['../**/*.ts', '../**/*.svelte', '!../bindings/**', '!./errors.test.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

function knownCodes(): Set<string> {
  const union = errorCodeSource.slice(errorCodeSource.indexOf('export type ErrorCode'));
  return new Set([...union.matchAll(/"([a-z_]+\.[a-z_]+)"/g)].map((m) => m[1]));
}

describe('error codes', () => {
  const codes = knownCodes();
  const namespaces = new Set([...codes].map((c) => c.split('.')[0]));

  it('reads the generated union', () => {
    expect(codes.has('store.wrong_passphrase')).toBe(true);
    expect(codes.size).toBeGreaterThan(80);
  });

  it('every code literal in ui/src is a code the backend sends', () => {
    const unknown: string[] = [];
    let seen = 0;
    for (const [file, text] of Object.entries(files)) {
      for (const m of text.matchAll(/['"`]([a-z_]+)\.([a-z_]+)['"`]/g)) {
        if (!namespaces.has(m[1])) continue; // a field path such as 'zone.commune'
        seen += 1;
        const code = `${m[1]}.${m[2]}`;
        if (!codes.has(code)) unknown.push(`${file}: ${code}`);
      }
    }
    expect(unknown).toEqual([]);
    expect(seen, 'the scan still finds the codes the screens and the mock use').toBeGreaterThan(10);
  });

  it.each([
    ['sync.network', 'network'],
    ['auth.revoked', 'revoked'],
    ['auth.missing', 'unknownDevice'],
    ['sync.not_enrolled', 'notEnrolled'],
    ['scope.outside', 'refused'],
    ['sync.refused', 'refused'],
    ['enroll.expired', 'refused'],
    ['store.io', 'other'],
  ] as const)('%s is explained as %s in the sync panel', (code, kind) => {
    expect(syncFailure(code)).toBe(kind);
  });
});
