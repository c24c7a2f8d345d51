import { describe, expect, it } from 'vitest';
import { emptyForm, fileName, formProblems, mayIncludeConfidential, requestOf, suggestedPath, withFormat } from './export';

describe('export form', () => {
  it('sends every kind as no kind filter, and the filters as core reads them', () => {
    const r = requestOf(emptyForm());
    expect(r).toEqual({
      format: 'xlsx',
      filter: { kinds: [], region: null, committee_id: null, date_from: null, date_to: null, statuses: [] },
      include: { confidential: false, named_attendance: false, free_text: false },
    });
    const f = { ...emptyForm(), kinds: ['workshop', 'session'] as const, status: 'approved' as const, from: '2026-10-01', region: 'gao' };
    const r2 = requestOf({ ...f, kinds: [...f.kinds] });
    expect(r2.filter.kinds).toEqual(['session', 'workshop']);
    expect(r2.filter.statuses).toEqual(['approved']);
    expect(r2.filter.date_from).toBe('2026-10-01');
    expect(r2.filter.region).toBe('gao');
  });

  it('never asks for names without confidential records', () => {
    expect(requestOf({ ...emptyForm(), names: true }).include.named_attendance).toBe(false);
    expect(requestOf({ ...emptyForm(), names: true, confidential: true }).include.named_attendance).toBe(true);
  });

  it('only the CRSS may tick confidential records', () => {
    expect(mayIncludeConfidential('reviewer')).toBe(true);
    expect(mayIncludeConfidential('admin')).toBe(true);
    expect(mayIncludeConfidential('facilitator')).toBe(false);
    expect(mayIncludeConfidential('member')).toBe(false);
  });

  it('finds what is missing before sending', () => {
    expect(formProblems(emptyForm(), '/x.xlsx')).toEqual({});
    expect(formProblems({ ...emptyForm(), kinds: [] }, ' ')).toEqual({ kinds: true, path: true });
    expect(formProblems({ ...emptyForm(), from: '2026-12-01', to: '2026-01-01' }, '/x')).toEqual({ period: true });
  });

  it('suggests a dated file in the folder and follows the format', () => {
    expect(suggestedPath('/home/a/Documents', 'xlsx', '2026-11-20')).toBe('/home/a/Documents/ccs-export-2026-11-20.xlsx');
    expect(suggestedPath('C:\\Users\\a\\Documents\\', 'csv', '2026-11-20')).toBe('C:\\Users\\a\\Documents\\ccs-export-2026-11-20.csv');
    expect(suggestedPath('', 'csv', '2026-11-20')).toBe('ccs-export-2026-11-20.csv');
    expect(withFormat('/a/b.xlsx', 'csv')).toBe('/a/b.csv');
    expect(withFormat('/a/rapport', 'csv')).toBe('/a/rapport');
    expect(fileName('/a/b/c.csv')).toBe('c.csv');
  });
});
