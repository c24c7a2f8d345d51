// Free text typed in this app stays on the device: no autofill history, no
// autocorrection learning the words (names, places) into the keyboard's dictionary, no
// spell-check sending them anywhere. Every text input and textarea takes `use:quiet`
// (a test scans the components for it: `quiet.test.ts`).

/** The attributes `quiet` sets, as the e2e test reads them back from the DOM. */
export const QUIET_ATTRIBUTES: Readonly<Record<string, string>> = {
  autocomplete: 'off',
  autocorrect: 'off',
  autocapitalize: 'off',
  spellcheck: 'false',
};

/** Input types that take no free text, and so need no `use:quiet`. */
export const NOT_TEXT = ['checkbox', 'radio', 'file', 'range', 'hidden', 'color', 'button', 'submit'];

export function quiet(node: HTMLInputElement | HTMLTextAreaElement): void {
  for (const [name, value] of Object.entries(QUIET_ATTRIBUTES)) node.setAttribute(name, value);
}

/** The `<input>` and `<textarea>` tags of a Svelte component's markup, whole (braces
 *  in attribute values such as `onchange={() => …}` are skipped over). */
export function fieldTags(source: string): string[] {
  const tags: string[] = [];
  const re = /<(input|textarea)\b/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source)) !== null) {
    let depth = 0;
    let i = m.index;
    for (; i < source.length; i++) {
      const c = source[i];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if (c === '>' && depth === 0) break;
    }
    tags.push(source.slice(m.index, i + 1));
  }
  return tags;
}

/** Whether a tag takes free text: a textarea, or an input whose type is not one of
 *  [`NOT_TEXT`] (a dynamic type, like the passphrase's text/password, is text). */
export function takesText(tag: string): boolean {
  if (tag.startsWith('<textarea')) return true;
  const type = /\btype="([a-z]+)"/.exec(tag);
  return !type || !NOT_TEXT.includes(type[1]);
}
