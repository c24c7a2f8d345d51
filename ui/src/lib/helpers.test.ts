import { describe, expect, it } from 'vitest';
import { compactCode, formatCode, isValidCode, normalizeServerUrl, parseScan } from './enrollment';
import { countTable } from './counts';
import { errorCode, errorText, syncFailure } from './errors';
import { formatDate, formatDateTime, progressPercent } from './format';
import { checkSettings, wipeConfirmed } from './settings-form';
import { canReview } from './session';

describe('enrollment codes', () => {
  it('tidies typed codes', () => {
    expect(compactCode(' abcd-efgh jklm ')).toBe('ABCDEFGHJKLM');
    expect(formatCode('abcdefghjklm')).toBe('ABCD-EFGH-JKLM');
    expect(formatCode('abc')).toBe('ABC');
  });

  it.each([
    ['ABCD-EFGH-JKLM', true],
    ['abcd efgh jklm', true],
    ['ABCD-EFGH-JKL', false],
    ['ABCD-EFGH-JKL0', false], // 0 is not in the alphabet
    ['ABCD-EFGH-JKLI', false], // nor I
    ['', false],
  ])('%s valid: %s', (code, ok) => {
    expect(isValidCode(code)).toBe(ok);
  });

  it('reads a bare code or a link from a QR code', () => {
    expect(parseScan('ABCDEFGHJKLM')).toEqual({ code: 'ABCD-EFGH-JKLM' });
    expect(parseScan('ccs://enroll?code=abcd-efgh-jklm&server=https%3A%2F%2Fsrv.example.ml%2F')).toEqual({
      code: 'ABCD-EFGH-JKLM',
      server: 'https://srv.example.ml',
    });
    expect(parseScan('https://x.example/?code=ABCDEFGHJKLM&server=ftp://no')).toEqual({ code: 'ABCD-EFGH-JKLM' });
    expect(parseScan('https://x.example/?code=ABCDEFGHJKLM&server=http://evil.example')).toEqual({
      code: 'ABCD-EFGH-JKLM',
    });
    expect(parseScan('hello')).toBeNull();
    expect(parseScan('https://x.example/?code=short')).toBeNull();
  });

  it('reads a whole enrollment slip from a QR code, keeping its text for offline enrollment', () => {
    const slip = `ccs-inscription:1?s=https://srv.example.ml&c=ABCD-EFGH-JKLM&k=${'ab'.repeat(32)}&x=age1q&v=1&e=${'00'.repeat(16)}&d=2026-06-30&r=member`;
    expect(parseScan(slip)).toEqual({ code: 'ABCD-EFGH-JKLM', server: 'https://srv.example.ml', slip });
    // A slip naming a server in clear keeps the code and the slip (core refuses it at enrollment).
    const clear = slip.replace('https://srv', 'http://srv');
    expect(parseScan(clear)).toEqual({ code: 'ABCD-EFGH-JKLM', slip: clear });
  });

  it.each([
    ['https://srv.example.ml', 'https://srv.example.ml'],
    ['  https://srv.example.ml/  ', 'https://srv.example.ml'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
    ['http://localhost:8787/', 'http://localhost:8787'],
    // A forged QR code or a typo must not send the token in clear to another host.
    ['http://192.168.1.10:8443', null],
    ['http://srv.example.ml', null],
    ['http://127.0.0.1.evil.ml', null],
    ['https://192.168.1.10:8443', 'https://192.168.1.10:8443'],
    ['https://srv.example.ml/ccs/', 'https://srv.example.ml/ccs'],
    ['srv.example.ml', null],
    ['ftp://srv.example.ml', null],
    ['https://user:pw@srv.example.ml', null],
    ['', null],
  ])('server %s → %s', (raw, expected) => {
    expect(normalizeServerUrl(raw)).toBe(expected);
  });
});

describe('countTable', () => {
  it('pivots counts per kind and status, in navigation and review order', () => {
    const t = countTable([
      { kind: 'workshop', status: 'approved', count: 1 },
      { kind: 'session', status: 'needs_correction', count: 2 },
      { kind: 'session', status: 'draft', count: 3 },
      { kind: 'session', status: 'draft', count: 1 },
      { kind: 'assessment', status: 'submitted', count: 0 },
      { kind: 'spaceship', status: 'draft', count: 9 },
      { kind: 'session', status: 'lost', count: 9 },
    ]);
    expect(t.statuses).toEqual(['draft', 'approved', 'needs_correction']);
    expect(t.rows.map((r) => r.kind)).toEqual(['session', 'workshop']);
    expect(t.rows[0].byStatus.draft).toBe(4);
    expect(t.rows[0].byStatus.needs_correction).toBe(2);
    expect(t.rows[0].total).toBe(6);
    expect(t.total).toBe(7);
  });

  it('is empty without records', () => {
    expect(countTable([])).toEqual({ statuses: [], rows: [], total: 0 });
  });
});

describe('errors', () => {
  const appError = { code: 'sync.network', message: { fr: 'Pas de réseau', en: 'No network' }, fields: [] };

  it('shows the backend message in the right language', () => {
    expect(errorText(appError, 'en', 'fallback')).toBe('No network');
    expect(errorText(appError, 'fr', 'fallback')).toBe('Pas de réseau');
    expect(errorCode(appError)).toBe('sync.network');
  });

  it('wraps a JavaScript exception as an unexpected error', () => {
    expect(errorCode(new Error('boom'))).toBe('ui.unexpected');
    expect(errorText(new Error('boom'), 'fr', 'x')).toMatch(/inattendue/);
  });

  it.each([
    ['sync.network', 'network'],
    ['auth.revoked', 'revoked'],
    ['auth.unknown_token', 'unknownDevice'],
    ['sync.not_enrolled', 'notEnrolled'],
    ['scope.outside', 'refused'],
    ['store.io', 'other'],
  ] as const)('%s is a %s failure', (code, kind) => {
    expect(syncFailure(code)).toBe(kind);
  });
});

describe('format', () => {
  it('formats calendar dates without a time-zone shift', () => {
    // Day first, in digits, in every language: as typed in the forms and as in titles.
    expect(formatDate('2025-03-01', 'fr')).toBe('01/03/2025');
    expect(formatDate('2025-03-01', 'en')).toBe('01/03/2025');
    expect(formatDate(null, 'fr', '—')).toBe('—');
  });

  it('falls back for missing or invalid timestamps', () => {
    expect(formatDateTime(null, 'fr', 'jamais')).toBe('jamais');
    expect(formatDateTime('not a date', 'fr', 'jamais')).toBe('jamais');
    expect(formatDateTime('2025-03-01T10:00:00Z', 'fr', 'jamais')).toMatch(/^0[12]\/03\/2025 à \d\d:\d\d$/);
    expect(formatDateTime('2025-03-01T10:00:00Z', 'en', 'never')).toMatch(/^0[12]\/03\/2025, \d\d:\d\d$/);
  });

  it('computes a bounded percentage, or none for an unknown total', () => {
    expect(progressPercent(1, 4)).toBe(25);
    expect(progressPercent(9, 4)).toBe(100);
    expect(progressPercent(3, 0)).toBeNull();
  });
});

describe('settings form', () => {
  const good = { server: 'https://srv.example.ml/', lockMinutes: '5', maxAttempts: '10', name: ' Carnet ' };

  it('accepts a valid form and tidies it', () => {
    expect(checkSettings(good)).toEqual({
      ok: true,
      value: { server_url: 'https://srv.example.ml', lock_minutes: 5, max_attempts: 10, window_name: 'Carnet' },
    });
    // An empty address is sent as '' (the backend reads it as "no server").
    expect(checkSettings({ ...good, server: '' })).toMatchObject({ ok: true, value: { server_url: '' } });
    expect(checkSettings({ ...good, lockMinutes: '240' })).toMatchObject({ ok: true });
  });

  it('reports each bad field', () => {
    expect(checkSettings({ server: 'nope', lockMinutes: '0', maxAttempts: '2.5', name: '  ' })).toEqual({
      ok: false,
      problems: { server: 'serverInvalid', lockMinutes: 'outOfRange', maxAttempts: 'outOfRange', name: 'nameRequired' },
    });
    expect(checkSettings({ ...good, lockMinutes: '241' })).toMatchObject({ ok: false });
    expect(checkSettings({ ...good, name: 'x'.repeat(41) })).toEqual({ ok: false, problems: { name: 'nameTooLong' } });
    expect(checkSettings({ ...good, name: 'é'.repeat(40) })).toMatchObject({ ok: true });
    expect(checkSettings({ ...good, maxAttempts: '21' })).toMatchObject({ ok: false });
  });

  it('asks for the exact confirmation word before a wipe', () => {
    expect(wipeConfirmed('effacer ', 'EFFACER')).toBe(true);
    expect(wipeConfirmed('EFFACE', 'EFFACER')).toBe(false);
    expect(wipeConfirmed('', '')).toBe(false);
  });
});

describe('roles', () => {
  it('only facilitators, reviewers and admins see the review queue', () => {
    expect(canReview('member')).toBe(false);
    expect(canReview(null)).toBe(false);
    expect(canReview('facilitator')).toBe(true);
    expect(canReview('reviewer')).toBe(true);
    expect(canReview('admin')).toBe(true);
  });
});
