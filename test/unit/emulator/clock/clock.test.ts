import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/emulator/clock.js';

describe('Class: VirtualClock', () => {
  const start = Date.parse('2025-01-06T09:00:00Z');

  it('runs timeScale times faster than the wall clock', () => {
    let wall = 1_000;
    const clock = new VirtualClock(start, 60, () => wall);

    wall += 2_000;

    expect(clock.nowMs()).toBe(start + 120_000);
  });

  it('stands still at time scale 0 until advanced by hand', () => {
    let wall = 0;
    const clock = new VirtualClock(start, 0, () => wall);
    wall += 10_000;

    const advanced = clock.advance(3_600_000);

    expect(advanced.toISOString()).toBe('2025-01-06T10:00:00.000Z');
  });

  it('changes speed without jumping', () => {
    let wall = 0;
    const clock = new VirtualClock(start, 1, () => wall);
    wall = 1_000;

    clock.setTimeScale(100);
    const at = clock.nowMs();
    wall = 2_000;

    expect(at).toBe(start + 1_000);
    expect(clock.nowMs()).toBe(start + 101_000);
  });

  it('refuses to go backwards and rejects bad scales', () => {
    const clock = new VirtualClock(start, 0);

    expect(() => clock.advance(-1)).toThrow(/advance by -1 ms is invalid/);
    expect(() => clock.setNow(start - 1)).toThrow(/cannot move/);
    expect(() => clock.setTimeScale(-2)).toThrow(/time scale -2 is invalid/);
    expect(clock.toJSON()).toEqual({ nowMs: start, timeScale: 0 });
  });
});
