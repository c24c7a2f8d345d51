import { describe, expect, it } from 'vitest';
import { href, parseRoute, section, type Route } from './router';

const ID = '0192f0c4-7b1e-7c3a-9d2e-5a6b7c8d9e0f';

describe('parseRoute', () => {
  it.each<[string, Route]>([
    ['', { name: 'home' }],
    ['#', { name: 'home' }],
    ['#/', { name: 'home' }],
    ['#/home', { name: 'home' }],
    ['#/home/', { name: 'home' }],
    ['#/records/session', { name: 'records', kind: 'session' }],
    ['#/records/assessment', { name: 'records', kind: 'assessment' }],
    ['#/records/committee', { name: 'records', kind: 'committee' }],
    ['#/records/workshop/new', { name: 'new', kind: 'workshop' }],
    [`#/records/recommendation/${ID}/edit`, { name: 'edit', kind: 'recommendation', id: ID }],
    [`#/records/session/draft/${ID}`, { name: 'draft', kind: 'session', id: ID }],
    [`#/record/${ID}`, { name: 'record', id: ID }],
    ['#/review', { name: 'review' }],
    ['#/review/0192f0c4-0000-7000-8000-000000000002', { name: 'review', id: '0192f0c4-0000-7000-8000-000000000002' }],
    ['#/settings', { name: 'settings' }],
    ['#/settings?x=1', { name: 'settings' }],
    ['#/relay', { name: 'relay' }],
    ['#/courier/', { name: 'courier' }],
    ['#/indicators', { name: 'indicators' }],
    ['#/export', { name: 'export' }],
  ])('%s', (hash, expected) => {
    expect(parseRoute(hash)).toEqual(expected);
  });

  it.each([
    '#/records',
    '#/records/person',
    '#/records/session/old',
    '#/records/session/new/extra',
    '#/records/session/draft',
    '#/records/session/draft/a/b',
    '#/record',
    '#/record/../../etc',
    '#/record/<script>',
    '#/nowhere',
    '#/relay/export',
    '#/courier/abc',
    '#/indicators/2026',
    '#/export/now',
    '#/%E0%A4%A',
  ])('unknown or malformed %s goes home', (hash) => {
    expect(parseRoute(hash)).toEqual({ name: 'home' });
  });
});

describe('href', () => {
  const routes: Route[] = [
    { name: 'home' },
    { name: 'records', kind: 'session' },
    { name: 'new', kind: 'assessment' },
    { name: 'edit', kind: 'workshop', id: ID },
    { name: 'draft', kind: 'recommendation', id: ID },
    { name: 'record', id: ID },
    { name: 'review' },
    { name: 'settings' },
    { name: 'relay' },
    { name: 'courier' },
    { name: 'indicators' },
    { name: 'export' },
  ];

  it.each(routes)('round-trips %j', (r) => {
    expect(parseRoute(href(r))).toEqual(r);
  });

  it('writes the documented forms', () => {
    expect(href({ name: 'records', kind: 'session' })).toBe('#/records/session');
    expect(href({ name: 'new', kind: 'session' })).toBe('#/records/session/new');
    expect(href({ name: 'record', id: ID })).toBe(`#/record/${ID}`);
  });
});

describe('section', () => {
  it('marks the navigation entry of a route', () => {
    expect(section({ name: 'new', kind: 'session' })).toBe('session');
    expect(section({ name: 'edit', kind: 'committee', id: ID })).toBe('committee');
    expect(section({ name: 'review' })).toBe('review');
    expect(section({ name: 'relay' })).toBe('relay');
    expect(section({ name: 'courier' })).toBe('courier');
    expect(section({ name: 'indicators' })).toBe('indicators');
    expect(section({ name: 'export' })).toBe('export');
    expect(section({ name: 'record', id: ID })).toBeNull();
  });
});
