/**
 * Auto-lock after a time without input. The backend locks on its own too (and emits
 * `locked`); this is the UI's side, so that a phone left on a table locks even if the
 * backend's timer is not told about screen activity.
 *
 * `idleDecision` is the pure rule (tested as a table); `createIdleLock` wires it to input
 * events and a timer. Time is read from the wall clock on each check rather than counted
 * by timers, so a phone that slept with the app in the background locks as soon as it
 * wakes up.
 */

/** Input events that count as activity. */
export const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'scroll'] as const;

/** A lock delay of 0 or less (or not a number) disables the UI timer. */
export function lockDelayMs(lockMinutes: number | null | undefined): number | null {
  if (typeof lockMinutes !== 'number' || !Number.isFinite(lockMinutes) || lockMinutes <= 0) return null;
  return Math.round(lockMinutes * 60_000);
}

export type IdleDecision = { lock: true } | { lock: false; checkInMs: number | null };

/**
 * Whether to lock now, and if not, when to look again.
 * `now` and `lastActivity` are milliseconds since the epoch.
 */
export function idleDecision(now: number, lastActivity: number, lockMinutes: number | null | undefined): IdleDecision {
  const delay = lockDelayMs(lockMinutes);
  if (delay === null) return { lock: false, checkInMs: null };
  // A clock set backwards must not postpone the lock forever: treat it as activity now.
  const idle = Math.max(0, now - lastActivity);
  if (idle >= delay) return { lock: true };
  // Look again at the deadline, but at least every 30 s so a sleeping device is caught.
  return { lock: false, checkInMs: Math.min(delay - idle, 30_000) };
}

export interface IdleLockOptions {
  minutes: number | null | undefined;
  onIdle: () => void;
  target?: EventTarget;
  now?: () => number;
  /** Lock as soon as the page is hidden (app in the background, screen off). Default true. */
  lockWhenHidden?: boolean;
}

export interface IdleLock {
  /** Counts as user activity. */
  touch(): void;
  setMinutes(minutes: number | null | undefined): void;
  stop(): void;
}

/** Starts watching for activity; calls `onIdle` once when the delay has passed. */
export function createIdleLock(options: IdleLockOptions): IdleLock {
  const now = options.now ?? (() => Date.now());
  const target = options.target ?? (typeof window !== 'undefined' ? window : undefined);
  let minutes = options.minutes;
  let last = now();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const check = () => {
    timer = null;
    if (stopped) return;
    const d = idleDecision(now(), last, minutes);
    if (d.lock) {
      stop();
      options.onIdle();
    } else if (d.checkInMs !== null) {
      timer = setTimeout(check, d.checkInMs);
    }
  };

  const reschedule = () => {
    if (timer !== null) clearTimeout(timer);
    check();
  };

  const onActivity = () => {
    // Check before counting the input: an input arriving after the deadline (a device
    // that just woke up) locks instead of extending the session.
    const d = idleDecision(now(), last, minutes);
    if (d.lock) {
      reschedule();
      return;
    }
    last = now();
  };

  const onVisibility = () => {
    // A phone put in a pocket, another app brought forward, a screen turned off: the
    // app locks at once rather than after the delay, as anyone may pick it up then.
    if (options.lockWhenHidden !== false && typeof document !== 'undefined' && document.visibilityState === 'hidden') {
      stop();
      options.onIdle();
      return;
    }
    reschedule();
  };

  for (const e of ACTIVITY_EVENTS) target?.addEventListener(e, onActivity, { passive: true, capture: true });
  target?.addEventListener('focus', onVisibility);
  if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisibility);

  function stop() {
    if (stopped) return;
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    for (const e of ACTIVITY_EVENTS) target?.removeEventListener(e, onActivity, { capture: true });
    target?.removeEventListener('focus', onVisibility);
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisibility);
  }

  check();

  return {
    touch: onActivity,
    setMinutes(m) {
      minutes = m;
      if (!stopped) reschedule();
    },
    stop,
  };
}
