import { describe, expect, it } from 'vitest';
import { fieldTags, quiet, QUIET_ATTRIBUTES, takesText } from './quiet';

// Every component's source, as text: new components are in the scan by themselves.
const SOURCES = import.meta.glob('../**/*.svelte', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

describe('free-text fields', () => {
  const files = Object.keys(SOURCES);

  it('finds the components and their fields', () => {
    const all = files.flatMap((f) => fieldTags(SOURCES[f]));
    // The scan must see the app's fields, or it proves nothing.
    expect(files.length).toBeGreaterThan(20);
    expect(all.filter(takesText).length).toBeGreaterThan(15);
  });

  it('every text input and textarea uses the quiet action', () => {
    const missing = files.flatMap((f) =>
      fieldTags(SOURCES[f])
        .filter((t) => takesText(t) && !/\buse:quiet\b/.test(t))
        .map((t) => `${f}: ${t.replace(/\s+/g, ' ').slice(0, 90)}`),
    );
    expect(missing).toEqual([]);
  });

  it('a tag with a brace-held arrow is read whole and a checkbox needs nothing', () => {
    const tags = fieldTags('<input type="search" onchange={() => (x = 1)} use:quiet /><input type="checkbox" />');
    expect(tags).toHaveLength(2);
    expect(takesText(tags[0]) && /use:quiet/.test(tags[0])).toBe(true);
    expect(takesText(tags[1])).toBe(false);
    expect(takesText('<input type={visible ? "text" : "password"}')).toBe(true);
  });

  it('the action sets the four attributes', () => {
    const set: Record<string, string> = {};
    quiet({ setAttribute: (k: string, v: string) => (set[k] = v) } as unknown as HTMLInputElement);
    expect(set).toEqual(QUIET_ATTRIBUTES);
  });

  it('the unlock field does not invite password managers', () => {
    const field = SOURCES['../components/PassphraseField.svelte'];
    const [tag] = fieldTags(field);
    expect(tag).toMatch(/autocomplete="off"/);
    expect(tag).toMatch(/data-lpignore="true"/);
    expect(tag).toMatch(/data-1p-ignore/);
    expect(tag).not.toMatch(/\bname=/);
  });
});
