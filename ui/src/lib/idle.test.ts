import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdleLock, idleDecision, lockDelayMs } from './idle';

const MIN = 60_000;

describe('idleDecision', () => {
  it.each([
    // now, last activity, minutes, expected
    [0, 0, 5, { lock: false, checkInMs: 30_000 }],
    [4 * MIN + 50_000, 0, 5, { lock: false, checkInMs: 10_000 }],
    [5 * MIN - 1, 0, 5, { lock: false, checkInMs: 1 }],
    [5 * MIN, 0, 5, { lock: true }],
    [60 * MIN, 0, 5, { lock: true }],
    [10 * MIN, 9 * MIN, 5, { lock: false, checkInMs: 30_000 }],
    // a clock set backwards counts as activity now, not as a lock far in the future
    [0, 10 * MIN, 5, { lock: false, checkInMs: 30_000 }],
    // no delay: never lock from the UI
    [60 * MIN, 0, 0, { lock: false, checkInMs: null }],
    [60 * MIN, 0, -3, { lock: false, checkInMs: null }],
    [60 * MIN, 0, null, { lock: false, checkInMs: null }],
    [60 * MIN, 0, Number.NaN, { lock: false, checkInMs: null }],
  ] as const)('now=%d last=%d minutes=%s', (now, last, minutes, expected) => {
    expect(idleDecision(now, last, minutes)).toEqual(expected);
  });

  it('converts minutes to milliseconds', () => {
    expect(lockDelayMs(1)).toBe(MIN);
    expect(lockDelayMs(0.5)).toBe(30_000);
    expect(lockDelayMs(undefined)).toBeNull();
  });
});

describe('createIdleLock', () => {
  let clock = 0;
  const now = () => clock;
  const advance = (ms: number) => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };

  beforeEach(() => {
    clock = 1_000_000;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('locks once after the delay without input', () => {
    const onIdle = vi.fn();
    const target = new EventTarget();
    createIdleLock({ minutes: 2, onIdle, target, now });
    advance(2 * MIN - 1000);
    expect(onIdle).not.toHaveBeenCalled();
    advance(1000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    advance(10 * MIN);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('input postpones the lock', () => {
    const onIdle = vi.fn();
    const target = new EventTarget();
    createIdleLock({ minutes: 2, onIdle, target, now });
    advance(90_000);
    target.dispatchEvent(new Event('keydown'));
    advance(90_000);
    expect(onIdle).not.toHaveBeenCalled();
    advance(30_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('input after a sleep past the deadline locks instead of extending', () => {
    const onIdle = vi.fn();
    const target = new EventTarget();
    createIdleLock({ minutes: 2, onIdle, target, now });
    clock += 10 * MIN; // the device slept: no timer ran
    target.dispatchEvent(new Event('pointerdown'));
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('stop() cancels, and events are no longer watched', () => {
    const onIdle = vi.fn();
    const target = new EventTarget();
    const lock = createIdleLock({ minutes: 1, onIdle, target, now });
    lock.stop();
    advance(5 * MIN);
    target.dispatchEvent(new Event('keydown'));
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('a shorter delay set later applies at once', () => {
    const onIdle = vi.fn();
    const target = new EventTarget();
    const lock = createIdleLock({ minutes: 30, onIdle, target, now });
    advance(3 * MIN);
    lock.setMinutes(2);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('locks at once when the app goes to the background, even with no delay set', () => {
    const page = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    vi.stubGlobal('document', page);
    try {
      const onIdle = vi.fn();
      createIdleLock({ minutes: 0, onIdle, target: new EventTarget(), now });
      page.dispatchEvent(new Event('visibilitychange'));
      expect(onIdle).not.toHaveBeenCalled();
      page.visibilityState = 'hidden';
      page.dispatchEvent(new Event('visibilitychange'));
      expect(onIdle).toHaveBeenCalledTimes(1);
      page.dispatchEvent(new Event('visibilitychange'));
      expect(onIdle).toHaveBeenCalledTimes(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('no delay means no UI lock', () => {
    const onIdle = vi.fn();
    createIdleLock({ minutes: 0, onIdle, target: new EventTarget(), now });
    advance(120 * MIN);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
