/**
 * The autosave queue of a form: every change schedules a save after a short pause;
 * at most one save runs at a time; a change made while a save runs is saved right after
 * it, so the last state typed is always the last one saved. `flush` saves now (leaving
 * the screen, closing the window, submitting) and resolves once nothing is waiting.
 *
 * The queue does not hold the form's state: `save` reads the latest state when it runs.
 * That matters for a new record: the first save answers with the record's id and the
 * next save must carry it, so `onResult` runs before the next save starts.
 *
 * Also `debounce`, for the list's search box.
 */

export type AutosaveStatus =
  /** Nothing changed since the screen opened. */
  | 'idle'
  /** A change waits for the pause to end. */
  | 'pending'
  | 'saving'
  /** The last save finished and nothing waits. */
  | 'done'
  /** The last save failed; the change is kept and saved again on the next change or flush. */
  | 'error';

export interface Timers {
  set: (fn: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface AutosaveOptions<R> {
  /** Pause after the last change before saving, in milliseconds. */
  delay: number;
  /** Saves the form's current state. */
  save: () => Promise<R>;
  onStatus?: (status: AutosaveStatus) => void;
  /** Called with each save's answer, before any following save starts. */
  onResult?: (result: R) => void;
  onError?: (error: unknown) => void;
  timers?: Timers;
}

export class Autosaver<R> {
  private readonly opts: AutosaveOptions<R>;
  private readonly timers: Timers;
  private timer: unknown = null;
  private dirty = false;
  private running: Promise<void> | null = null;
  private lastResult: R | undefined;
  private failed = false;
  private disposed = false;
  private _status: AutosaveStatus = 'idle';
  private _saves = 0;

  constructor(opts: AutosaveOptions<R>) {
    this.opts = opts;
    this.timers = opts.timers ?? realTimers;
  }

  get status(): AutosaveStatus {
    return this._status;
  }

  /** Whether a change has not been saved yet (waiting, or after a failure). */
  get hasUnsaved(): boolean {
    return this.dirty;
  }

  /** Whether a save is running now. */
  get isSaving(): boolean {
    return this.running !== null;
  }

  /** How many saves were started (a form nobody changed has none). */
  get saves(): number {
    return this._saves;
  }

  /** The answer to the last save that succeeded. */
  get result(): R | undefined {
    return this.lastResult;
  }

  private setStatus(s: AutosaveStatus): void {
    if (this._status === s) return;
    this._status = s;
    this.opts.onStatus?.(s);
  }

  /** A change: saves after the pause (restarted by each further change). */
  schedule(): void {
    if (this.disposed) return;
    this.dirty = true;
    this.clearTimer();
    if (!this.running) this.setStatus('pending');
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.kick();
    }, this.opts.delay);
  }

  /** Saves now whatever waits, and resolves with the last answer once nothing waits
   * (or a save failed). */
  async flush(): Promise<R | undefined> {
    this.clearTimer();
    this.failed = false;
    for (;;) {
      if (this.running) {
        await this.running;
        continue;
      }
      if (!this.dirty || this.failed) break;
      await this.kick();
    }
    return this.lastResult;
  }

  /** Stops the timer; a save already running finishes. Call `flush` first to keep changes. */
  dispose(): void {
    this.disposed = true;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
  }

  private kick(): Promise<void> {
    if (this.running) return this.running;
    if (!this.dirty) return Promise.resolve();
    this.running = this.runLoop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Saves until nothing changed during the last save. */
  private async runLoop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      this.failed = false;
      this.setStatus('saving');
      this._saves++;
      try {
        const r = await this.opts.save();
        this.lastResult = r;
        this.opts.onResult?.(r);
      } catch (e) {
        // Keep the change: it is saved again with the next change or flush.
        this.dirty = true;
        this.failed = true;
        this.setStatus('error');
        this.opts.onError?.(e);
        return;
      }
      // A change during the save waits for its own pause unless a flush asked for it.
      if (this.dirty && this.timer !== null) {
        this.setStatus('pending');
        return;
      }
    }
    this.setStatus('done');
  }
}

/** What the form's indicator says: the queue's status and the last answer together. */
export type SaveIndicator = 'idle' | 'saving' | 'saved' | 'draft' | 'held' | 'error';

/**
 * `saved` is the last answer's `DraftOutcome.saved`: the record holds what was typed
 * ("Enregistré"), or only the draft does ("Brouillon enregistré — à compléter"), or the
 * draft holds text with a name or number to resolve (`held`: `DraftOutcome.held_fields`).
 */
export function saveIndicator(status: AutosaveStatus, saved: boolean | null, held = false): SaveIndicator {
  switch (status) {
    case 'idle':
      return 'idle';
    case 'pending':
    case 'saving':
      return 'saving';
    case 'error':
      return 'error';
    case 'done':
      return saved ? 'saved' : held ? 'held' : 'draft';
  }
}

export interface SubmitState {
  recordId: string | null;
  /** Decisions the role may take on the record now (`RecordView.decisions`). */
  decisions: readonly string[];
  errorCount: number;
  status: AutosaveStatus;
  submitting: boolean;
  /** Text waits in the draft for a name or number to be resolved. */
  held?: boolean;
}

/** Whether "Soumettre" can be pressed: the record exists, may be submitted by this
 * role, and its last save had no error. A change still waiting is saved first. */
export function canSubmit(s: SubmitState): boolean {
  return (
    s.recordId !== null &&
    s.decisions.includes('submitted') &&
    s.errorCount === 0 &&
    !s.held &&
    s.status !== 'error' &&
    !s.submitting
  );
}

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  /** Runs the waiting call now, if any. */
  flush: () => void;
  cancel: () => void;
}

/** `fn` called once calls stop for `ms` milliseconds, with the last arguments. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number, timers: Timers = realTimers): Debounced<A> {
  let handle: unknown = null;
  let last: A | null = null;
  const run = () => {
    handle = null;
    const args = last;
    last = null;
    if (args) fn(...args);
  };
  const d = ((...args: A) => {
    last = args;
    if (handle !== null) timers.clear(handle);
    handle = timers.set(run, ms);
  }) as Debounced<A>;
  d.flush = () => {
    if (handle !== null) {
      timers.clear(handle);
      run();
    }
  };
  d.cancel = () => {
    if (handle !== null) timers.clear(handle);
    handle = null;
    last = null;
  };
  return d;
}

/** Why « Soumettre » does not submit, checked once the pending changes were saved:
 * what is submitted is always what the form shows, never an older version. */
export type SubmitBlock =
  /** The last save failed: the record may not hold what is shown. */
  | 'save_failed'
  /** The form has errors: the newest typing is only in the draft. */
  | 'errors'
  /** A name or a number waits in the draft. */
  | 'held'
  /** The record does not exist yet. */
  | 'not_created'
  /** Pre-filled choices she never looked at (« à vérifier »). */
  | 'to_verify'
  /** The last save kept the changes in the draft only, the record holds an older version. */
  | 'not_saved';

export interface AfterFlush {
  status: AutosaveStatus;
  recordId: string | null;
  errorCount: number;
  held: boolean;
  /** `DraftOutcome.saved` of the last save; `null` when nothing was saved since opening. */
  lastSaved: boolean | null;
  /** Pre-filled choices still « à vérifier ». */
  toVerify?: number;
}

/** `null` when the record holds exactly what the form shows and may be submitted. */
export function submitBlock(s: AfterFlush): SubmitBlock | null {
  if (s.status === 'error') return 'save_failed';
  if (s.errorCount > 0) return 'errors';
  if (s.held) return 'held';
  if (s.recordId === null) return 'not_created';
  if (s.lastSaved === false) return 'not_saved';
  if ((s.toVerify ?? 0) > 0) return 'to_verify';
  return null;
}
