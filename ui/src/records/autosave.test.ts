import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Autosaver, canSubmit, debounce, saveIndicator, submitBlock, type AutosaveStatus } from './autosave';

/** A save whose answers the test releases one by one. */
function controlledSave() {
  const calls: { state: string; resolve: (r: string) => void; reject: (e: unknown) => void }[] = [];
  let current = '';
  const save = vi.fn(
    () =>
      new Promise<string>((resolve, reject) => {
        calls.push({ state: current, resolve, reject });
      }),
  );
  return {
    save,
    calls,
    type: (s: string) => {
      current = s;
    },
  };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('autosave queue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves once after a pause, with the last state typed', async () => {
    const c = controlledSave();
    const statuses: AutosaveStatus[] = [];
    const s = new Autosaver<string>({ delay: 400, save: c.save, onStatus: (x) => statuses.push(x) });
    for (const text of ['R', 'Ré', 'Réu']) {
      c.type(text);
      s.schedule();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(c.save).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(400);
    expect(c.calls.map((x) => x.state)).toEqual(['Réu']);
    c.calls[0].resolve('ok');
    await settle();
    expect(statuses).toEqual(['pending', 'saving', 'done']);
    expect(s.result).toBe('ok');
    expect(s.hasUnsaved).toBe(false);
  });

  it('never runs two saves at once, and saves what changed during a save right after', async () => {
    const c = controlledSave();
    const s = new Autosaver<string>({ delay: 400, save: c.save });
    c.type('a');
    s.schedule();
    await vi.advanceTimersByTimeAsync(400);
    expect(c.calls).toHaveLength(1);

    // Typing goes on while the first save runs; its pause ends before the save does.
    c.type('ab');
    s.schedule();
    await vi.advanceTimersByTimeAsync(1000);
    expect(c.calls).toHaveLength(1);

    c.calls[0].resolve('first');
    await settle();
    expect(c.calls.map((x) => x.state)).toEqual(['a', 'ab']);
    c.calls[1].resolve('second');
    await settle();
    expect(s.status).toBe('done');
    expect(s.result).toBe('second');
  });

  it('gives each answer to onResult before the next save starts (a new record id is carried on)', async () => {
    let recordId: string | null = null;
    const sent: (string | null)[] = [];
    const answers: ((id: string) => void)[] = [];
    const s = new Autosaver<string>({
      delay: 400,
      save: () => {
        sent.push(recordId);
        return new Promise((resolve) => answers.push(resolve));
      },
      onResult: (id) => {
        recordId = id;
      },
    });
    s.schedule();
    await vi.advanceTimersByTimeAsync(400);
    s.schedule();
    s.schedule();
    const flushed = s.flush();
    answers[0]('rec-1');
    await settle();
    answers[1]('rec-1');
    await flushed;
    expect(sent).toEqual([null, 'rec-1']);
  });

  it('a change during a save waits for its own pause unless flushed', async () => {
    const c = controlledSave();
    const s = new Autosaver<string>({ delay: 400, save: c.save });
    c.type('a');
    s.schedule();
    await vi.advanceTimersByTimeAsync(400);
    c.type('ab');
    s.schedule();
    c.calls[0].resolve('1');
    await settle();
    expect(c.calls).toHaveLength(1);
    expect(s.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(400);
    expect(c.calls.map((x) => x.state)).toEqual(['a', 'ab']);
  });

  it('flush saves at once, waits for a running save, and resolves when nothing waits', async () => {
    const c = controlledSave();
    const s = new Autosaver<string>({ delay: 400, save: c.save });
    c.type('x');
    s.schedule();
    const done = s.flush();
    await settle();
    expect(c.calls).toHaveLength(1);
    c.type('xy');
    s.schedule();
    c.calls[0].resolve('1');
    await settle();
    expect(c.calls.map((x) => x.state)).toEqual(['x', 'xy']);
    c.calls[1].resolve('2');
    await expect(done).resolves.toBe('2');
    expect(s.hasUnsaved).toBe(false);
  });

  it('flush with nothing changed saves nothing', async () => {
    const c = controlledSave();
    const s = new Autosaver<string>({ delay: 400, save: c.save });
    await expect(s.flush()).resolves.toBeUndefined();
    expect(c.save).not.toHaveBeenCalled();
    expect(s.saves).toBe(0);
    expect(s.status).toBe('idle');
  });

  it('keeps a change whose save failed, and saves it again on the next flush', async () => {
    const c = controlledSave();
    const errors: unknown[] = [];
    const s = new Autosaver<string>({ delay: 400, save: c.save, onError: (e) => errors.push(e) });
    c.type('kept');
    s.schedule();
    await vi.advanceTimersByTimeAsync(400);
    c.calls[0].reject(new Error('locked'));
    await settle();
    expect(s.status).toBe('error');
    expect(s.hasUnsaved).toBe(true);
    expect(errors).toHaveLength(1);

    const again = s.flush();
    await settle();
    expect(c.calls.map((x) => x.state)).toEqual(['kept', 'kept']);
    c.calls[1].resolve('ok');
    await expect(again).resolves.toBe('ok');
    expect(s.status).toBe('done');
  });

  it('a flush after a failure does not loop: one attempt, then it resolves', async () => {
    const c = controlledSave();
    const s = new Autosaver<string>({ delay: 400, save: c.save });
    s.schedule();
    const done = s.flush();
    await settle();
    c.calls[0].reject(new Error('down'));
    await expect(done).resolves.toBeUndefined();
    expect(c.calls).toHaveLength(1);
    expect(s.status).toBe('error');
  });

  it('after dispose, changes are ignored but a running save finishes', async () => {
    const c = controlledSave();
    const results: string[] = [];
    const s = new Autosaver<string>({ delay: 400, save: c.save, onResult: (r) => results.push(r) });
    s.schedule();
    void s.flush();
    await settle();
    s.dispose();
    s.schedule();
    c.calls[0].resolve('last');
    await vi.advanceTimersByTimeAsync(1000);
    expect(results).toEqual(['last']);
    expect(c.calls).toHaveLength(1);
  });

  it('counts the saves started', async () => {
    const s = new Autosaver<string>({ delay: 10, save: async () => 'ok' });
    s.schedule();
    await vi.advanceTimersByTimeAsync(10);
    s.schedule();
    await s.flush();
    expect(s.saves).toBe(2);
  });
});

describe('what the form shows', () => {
  it('says saved only when the record holds the change', () => {
    expect(saveIndicator('idle', null)).toBe('idle');
    expect(saveIndicator('pending', true)).toBe('saving');
    expect(saveIndicator('saving', null)).toBe('saving');
    expect(saveIndicator('done', true)).toBe('saved');
    expect(saveIndicator('done', false)).toBe('draft');
    expect(saveIndicator('done', false, true)).toBe('held');
    expect(saveIndicator('done', true, true)).toBe('saved');
    expect(saveIndicator('error', true)).toBe('error');
  });

  it('lets a record be submitted once it exists, is valid and this role may', () => {
    const ok = { recordId: 'r1', decisions: ['submitted', 'reopened'], errorCount: 0, status: 'done' as const, submitting: false };
    expect(canSubmit(ok)).toBe(true);
    expect(canSubmit({ ...ok, status: 'pending' })).toBe(true);
    expect(canSubmit({ ...ok, recordId: null })).toBe(false);
    expect(canSubmit({ ...ok, decisions: ['validated'] })).toBe(false);
    expect(canSubmit({ ...ok, errorCount: 1 })).toBe(false);
    expect(canSubmit({ ...ok, held: true })).toBe(false);
    expect(canSubmit({ ...ok, status: 'error' })).toBe(false);
    expect(canSubmit({ ...ok, submitting: true })).toBe(false);
  });
});

describe('« Soumettre » never submits an older version than the one shown', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const clean = { status: 'done' as AutosaveStatus, recordId: 'r1', errorCount: 0, held: false, lastSaved: true };

  it.each([
    [{}, null],
    [{ lastSaved: null }, null],
    [{ status: 'error' as AutosaveStatus }, 'save_failed'],
    [{ errorCount: 2 }, 'errors'],
    [{ held: true }, 'held'],
    [{ recordId: null }, 'not_created'],
    [{ lastSaved: false }, 'not_saved'],
    [{ toVerify: 2 }, 'to_verify'],
    [{ toVerify: 0 }, null],
  ])('%o → %s', (change, expected) => {
    expect(submitBlock({ ...clean, ...change })).toBe(expected);
  });

  it('saves what she just typed first, then refuses when only the draft holds it', async () => {
    // She types an impossible count and presses « Soumettre » before the pause ends.
    const c = controlledSave();
    let outcome = { saved: true, errors: 0 };
    const s = new Autosaver<string>({
      delay: 400,
      save: c.save,
      onResult: (r) => {
        outcome = r === 'invalid' ? { saved: false, errors: 1 } : { saved: true, errors: 0 };
      },
    });
    c.type('present = 40');
    s.schedule();
    const flushed = s.flush();
    await settle();
    expect(c.calls.map((x) => x.state)).toEqual(['present = 40']);
    c.calls[0].resolve('invalid');
    await flushed;
    const block = submitBlock({
      status: s.status,
      recordId: 'r1',
      errorCount: outcome.errors,
      held: false,
      lastSaved: outcome.saved,
    });
    expect(block).toBe('errors');
    // Fixed: the save holds it, she may submit.
    c.type('present = 9');
    s.schedule();
    const again = s.flush();
    await settle();
    c.calls[1].resolve('ok');
    await again;
    expect(submitBlock({ status: s.status, recordId: 'r1', errorCount: outcome.errors, held: false, lastSaved: outcome.saved })).toBeNull();
  });
});

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls once with the last arguments after the pause', () => {
    const fn = vi.fn();
    const d = debounce(fn, 300);
    d('a');
    vi.advanceTimersByTime(200);
    d('ab');
    vi.advanceTimersByTime(299);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledExactlyOnceWith('ab');
  });

  it('flush runs the waiting call now; cancel drops it', () => {
    const fn = vi.fn();
    const d = debounce(fn, 300);
    d('now');
    d.flush();
    expect(fn).toHaveBeenCalledExactlyOnceWith('now');
    d('never');
    d.cancel();
    vi.advanceTimersByTime(1000);
    d.flush();
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
