/**
 * A small hash router: the URL fragment names the screen, so the back button works and
 * nothing is ever sent to a server. `parseRoute` and `href` are pure (tested); `route`
 * is a store that follows `window.location.hash`.
 *
 *   #/home                      home
 *   #/records/<kind>            list of one kind
 *   #/records/<kind>/new        new record of that kind
 *   #/records/<kind>/draft/<id> resume an unfinished form (a draft of a new record)
 *   #/records/<kind>/<id>/edit  edit an existing record
 *   #/record/<id>               one record (detail, review trail, decisions)
 *   #/record/<id>/print         a session's procès-verbal, laid out for printing
 *   #/help                      the help page (« Aide »)
 *   #/review                    « À traiter »: the inbox of what waits for this role
 *   #/review/<id>               one record opened from the inbox, with « Suivant »
 *   #/settings                  settings
 *   #/relay                     « Facilitateur »: send and receive through the relay
 *   #/courier                   « Courrier »: the bundles this device carries
 *   #/indicators                « Indicateurs »: the dashboard of the CRSS's indicators
 *   #/export                    « Exporter »: records to a spreadsheet, the export log
 *
 * Anything else is the home screen.
 */
import { readable } from 'svelte/store';

export const RECORD_KINDS = ['session', 'assessment', 'workshop', 'recommendation', 'committee'] as const;
export type Kind = (typeof RECORD_KINDS)[number];

export type Route =
  | { name: 'home' }
  | { name: 'records'; kind: Kind }
  | { name: 'new'; kind: Kind }
  | { name: 'draft'; kind: Kind; id: string }
  | { name: 'edit'; kind: Kind; id: string }
  | { name: 'record'; id: string }
  | { name: 'review'; id?: string }
  | { name: 'settings' }
  | { name: 'print'; id: string }
  | { name: 'help' }
  | { name: 'relay' }
  | { name: 'courier' }
  | { name: 'indicators' }
  | { name: 'export' };

export const HOME: Route = { name: 'home' };

export function isKind(value: string): value is Kind {
  return (RECORD_KINDS as readonly string[]).includes(value);
}

/** Record ids are UUIDs; accept any plain token so that a bad id reaches the screen's
 * own "not found" rather than silently becoming home. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '').replace(/\/+$/, '').split('?')[0];
  const parts = path === '' ? [] : path.split('/').map(safeDecode);
  const [head, a, b, c] = parts;
  switch (head) {
    case 'home':
      if (parts.length === 1) return HOME;
      break;
    case 'review':
      if (parts.length === 1) return { name: 'review' };
      if (parts.length === 2 && ID.test(a)) return { name: 'review', id: a };
      break;
    case 'settings':
      if (parts.length === 1) return { name: 'settings' };
      break;
    case 'help':
      if (parts.length === 1) return { name: 'help' };
      break;
    case 'relay':
      if (parts.length === 1) return { name: 'relay' };
      break;
    case 'courier':
      if (parts.length === 1) return { name: 'courier' };
      break;
    case 'indicators':
      if (parts.length === 1) return { name: 'indicators' };
      break;
    case 'export':
      if (parts.length === 1) return { name: 'export' };
      break;
    case 'records':
      if (a === undefined || !isKind(a)) break;
      if (parts.length === 2) return { name: 'records', kind: a };
      if (parts.length === 3 && b === 'new') return { name: 'new', kind: a };
      if (parts.length === 4 && c === 'edit' && ID.test(b)) return { name: 'edit', kind: a, id: b };
      if (parts.length === 4 && b === 'draft' && ID.test(c)) return { name: 'draft', kind: a, id: c };
      break;
    case 'record':
      if (parts.length === 2 && ID.test(a)) return { name: 'record', id: a };
      if (parts.length === 3 && ID.test(a) && b === 'print') return { name: 'print', id: a };
      break;
  }
  return HOME;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The hash of a route, for `href` attributes. */
export function href(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/home';
    case 'records':
      return `#/records/${route.kind}`;
    case 'new':
      return `#/records/${route.kind}/new`;
    case 'edit':
      return `#/records/${route.kind}/${encodeURIComponent(route.id)}/edit`;
    case 'draft':
      return `#/records/${route.kind}/draft/${encodeURIComponent(route.id)}`;
    case 'record':
      return `#/record/${encodeURIComponent(route.id)}`;
    case 'review':
      return route.id ? `#/review/${encodeURIComponent(route.id)}` : '#/review';
    case 'settings':
      return '#/settings';
    case 'print':
      return `#/record/${encodeURIComponent(route.id)}/print`;
    case 'help':
      return '#/help';
    case 'relay':
      return '#/relay';
    case 'courier':
      return '#/courier';
    case 'indicators':
      return '#/indicators';
    case 'export':
      return '#/export';
  }
}

/** Shortcut for links to one record. */
export const recordHref = (id: string) => href({ name: 'record', id });

/** The navigation entry a route belongs to (to mark it as current). */
export function section(
  route: Route,
): 'home' | Kind | 'review' | 'settings' | 'help' | 'relay' | 'courier' | 'indicators' | 'export' | null {
  switch (route.name) {
    case 'records':
    case 'new':
    case 'edit':
    case 'draft':
      return route.kind;
    case 'record':
    case 'print':
      return null;
    default:
      return route.name;
  }
}

export function navigate(route: Route): void {
  if (typeof window !== 'undefined') window.location.hash = href(route);
}

/** The current route; follows `hashchange`. */
export const route = readable<Route>(HOME, (set) => {
  if (typeof window === 'undefined') return;
  const update = () => set(parseRoute(window.location.hash));
  update();
  window.addEventListener('hashchange', update);
  return () => window.removeEventListener('hashchange', update);
});
