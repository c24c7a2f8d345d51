import { describe, expect, it } from 'vitest';
import {
  NO_IMPORT,
  addImport,
  arrivedToCorrect,
  baseName,
  folderOf,
  type ImportPart,
  chosenFolder,
  formatBytes,
  importChangedNothing,
  isBundleName,
  localDay,
  pastedKind,
  slipExpired,
  slipPreview,
} from './relay';

const SLIP =
  'ccs-inscription:1?s=https://srv.exemple.ml&c=ABCD-EFGH-JKLM&k=' +
  'ab'.repeat(32) +
  '&x=age1qqqq&v=1&e=' +
  '00'.repeat(16) +
  '&d=2026-03-01&r=member&m=0192f0c4-0000-7000-8000-0000000000cc';

describe('what a pasted text is', () => {
  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    [SLIP, 'slip'],
    [`  ${SLIP}\n`, 'slip'],
    ['ccs-relais:1?a=192.168.43.1:8443&f=ab&t=xyz', 'pairing'],
    ['ABCD-EFGH-JKLM', 'code'],
    ['abcdefghjklm', 'code'],
    ['https://srv.exemple.ml', 'unknown'],
    ['ccs-inscription:2?s=x', 'unknown'],
  ] as const)('%j is %s', (text, kind) => {
    expect(pastedKind(text)).toBe(kind);
  });
});

describe('the slip shown before it is sent', () => {
  it('reads the server, code, last day and role', () => {
    expect(slipPreview(SLIP)).toEqual({
      server: 'https://srv.exemple.ml',
      code: 'ABCD-EFGH-JKLM',
      validUntil: '2026-03-01',
      role: 'member',
    });
  });

  it('unescapes the address as slip.rs escapes it', () => {
    const s = SLIP.replace('s=https://srv.exemple.ml', 's=https://srv.exemple.ml/a%26b%3Dc%20d%25');
    expect(slipPreview(s)?.server).toBe('https://srv.exemple.ml/a&b=c d%');
  });

  it('refuses an incomplete or damaged slip', () => {
    expect(slipPreview(SLIP.replace(/&d=[^&]+/, ''))).toBeNull();
    expect(slipPreview(SLIP.replace(/&k=[^&]+/, ''))).toBeNull();
    expect(slipPreview(SLIP.replace('d=2026-03-01', 'd=01/03/2026'))).toBeNull();
    expect(slipPreview(SLIP.replace('&c=', '&c'))).toBeNull();
    expect(slipPreview('ABCD-EFGH-JKLM')).toBeNull();
  });

  it('is expired only after its last day', () => {
    const p = slipPreview(SLIP)!;
    expect(slipExpired(p, '2026-03-01')).toBe(false);
    expect(slipExpired(p, '2026-03-02')).toBe(true);
    expect(slipExpired(p, '2025-12-31')).toBe(false);
  });

  it('today is the local calendar day', () => {
    expect(localDay(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});

describe('sizes and files', () => {
  it.each([
    [0, 'fr', '0 octets'],
    [840, 'fr', '840 octets'],
    [1234, 'fr', '1,2 ko'],
    [12_345, 'fr', '12 ko'],
    [1_450_000, 'fr', '1,4 Mo'],
    [1_450_000, 'en', '1.4 MB'],
    [-3, 'en', '0 bytes'],
  ] as const)('%d bytes in %s: %s', (n, lang, text) => {
    expect(formatBytes(n, lang)).toBe(text);
  });

  it('knows a bundle by its extension, whatever the case', () => {
    expect(isBundleName('paquet-3f9a.ccsb')).toBe(true);
    expect(isBundleName('PAQUET-3F9A.CCSB')).toBe(true);
    expect(isBundleName('photo.jpg')).toBe(false);
  });

  it('writes to the folder chosen last time, else the suggestion', () => {
    expect(chosenFolder(null, '/data/Documents/relais ')).toBe('/data/Documents/relais');
    expect(chosenFolder('  ', '/data/relais')).toBe('/data/relais');
    expect(chosenFolder('/media/cle', '/data/relais')).toBe('/media/cle');
  });
});

describe('several files imported one by one', () => {
  const part = (p: Partial<ImportPart> = {}): ImportPart => ({
    received: 0,
    acknowledged: 0,
    refused: [],
    enrollment_completed: false,
    nothing_new: false,
    repair_needed: null,
    ...p,
  });
  const error = {
    code: 'request.malformed' as const,
    message: { fr: 'Ce paquet est destiné à un autre appareil.', en: 'This bundle is for another device.' },
    fields: [],
  };
  const refusal = { id: 'r1', title: 'Séance', code: 'scope.outside', message: { fr: 'Hors périmètre.', en: 'Out of scope.' } };

  it('add up, failures kept with their file', () => {
    let t = NO_IMPORT;
    t = addImport(t, 'paquet-1.ccsb', part({ received: 3, acknowledged: 2, refused: [refusal] }));
    t = addImport(t, 'paquet-2.ccsb', { error });
    t = addImport(t, 'paquet-3.ccsb', part({ received: 1, enrollment_completed: true }));
    t = addImport(t, 'paquet-4.ccsb', part({ nothing_new: true }));
    expect(t).toEqual({
      files: 4,
      received: 4,
      acknowledged: 2,
      toCorrect: 0,
      enrollmentDone: true,
      nothingNew: 1,
      refused: [refusal],
      repairNeeded: null,
      failures: [{ file: 'paquet-2.ccsb', error }],
    });
    expect(importChangedNothing(t)).toBe(false);
  });

  it('an old copy changes nothing and says so', () => {
    const t = addImport(NO_IMPORT, 'paquet-1.ccsb', part({ nothing_new: true }));
    expect(importChangedNothing(t)).toBe(true);
    expect(t.nothingNew).toBe(1);
    expect(NO_IMPORT.failures).toEqual([]);
  });

  it('keeps the server’s word that it was restored', () => {
    const repair = { fr: 'Synchronisez directement.', en: 'Sync directly.' };
    const t = addImport(addImport(NO_IMPORT, 'a', part({ repair_needed: repair })), 'b', part());
    expect(t.repairNeeded).toEqual(repair);
  });

  it('counts the records « à corriger » that arrived, not those already there', () => {
    expect(arrivedToCorrect(['a', 'b'], ['a', 'b', 'c'])).toBe(1);
    expect(arrivedToCorrect(['a'], ['a'])).toBe(0);
    expect(arrivedToCorrect(['a', 'b'], ['c'])).toBe(1);
  });
});

describe('paths', () => {
  it.each([
    ['/media/cle/paquet-3f9a.ccsb', 'paquet-3f9a.ccsb', '/media/cle'],
    ['C:\\Users\\a\\paquet-1.ccsb', 'paquet-1.ccsb', 'C:\\Users\\a'],
    ['paquet-1.ccsb', 'paquet-1.ccsb', 'paquet-1.ccsb'],
  ])('%s', (path, name, folder) => {
    expect(baseName(path)).toBe(name);
    expect(folderOf(path)).toBe(folder);
  });
});
