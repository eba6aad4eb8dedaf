/**
 * The emulator's virtual clock. Virtual time runs `timeScale` times faster than wall time and can
 * be advanced by hand, so a two-hour failover plays out in seconds (or instantly in tests).
 *
 * Nothing in the emulator ticks: every model derives its state from `now()` when asked, so
 * advancing the clock by hours costs nothing.
 */
export interface ClockSnapshot {
  /** Virtual epoch milliseconds at the moment of the snapshot. */
  readonly nowMs: number;
  readonly timeScale: number;
}

/** Fastest time scale (about eleven virtual days per wall second). */
export const MAX_TIME_SCALE = 1_000_000;

/**
 * Latest virtual time: the last instant with a four-digit year, so every timestamp the services
 * render still matches their ISO-8601 patterns (and never overflows a Date).
 */
export const MAX_CLOCK_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * How a pacer lets the clock run (see {@link VirtualClock.pace}): `running: false` stops it;
 * running, it never passes `limitMs` on its own (the wall time past it is not counted).
 */
export interface ClockPace {
  readonly running: boolean;
  /** Virtual epoch milliseconds the running clock stops at. @default none */
  readonly limitMs?: number | undefined;
}

/**
 * Virtual clock: `now = base + (wallNow - wallBase) * timeScale + manual advances`, unless a pacer
 * (the runtime's paced scheduler) holds it: then it runs only while the pacer lets it, and never
 * past the pacer's limit, so virtual time cannot outrun work that is due (see `scheduler.ts`).
 */
export class VirtualClock {
  #baseVirtualMs: number;
  #baseWallMs: number;
  #timeScale: number;
  readonly #wall: () => number;
  #running = true;
  #limitMs: number | undefined;
  readonly #listeners = new Set<() => void>();

  /**
   * @param startMs virtual epoch milliseconds at creation
   * @param timeScale virtual seconds per wall second; `0` freezes the clock (only `advance` moves it)
   * @param wall wall-clock source (injectable for tests)
   * @default timeScale 1
   * @example new VirtualClock(Date.parse('2025-01-06T09:00:00Z'), 60) // one wall second = one virtual minute
   */
  constructor(startMs: number, timeScale = 1, wall: () => number = Date.now) {
    if (!Number.isFinite(startMs))
      throw new RangeError(`clock start ${startMs} is not a finite epoch millisecond value`);
    VirtualClock.#checkScale(timeScale);
    this.#wall = wall;
    this.#baseVirtualMs = startMs;
    this.#baseWallMs = wall();
    this.#timeScale = timeScale;
  }

  static #checkScale(timeScale: number): void {
    if (!Number.isFinite(timeScale) || timeScale < 0 || timeScale > MAX_TIME_SCALE) {
      throw new RangeError(
        `time scale ${timeScale} is invalid; expected a number from 0 to ${MAX_TIME_SCALE}`,
      );
    }
  }

  /** Current virtual time in epoch milliseconds (integer). */
  nowMs(): number {
    if (!this.#running) return this.#baseVirtualMs;
    const free = Math.floor(this.#baseVirtualMs + (this.#wall() - this.#baseWallMs) * this.#timeScale);
    // Held at the pacer's limit (never backwards: a move by hand may have passed it).
    return this.#limitMs !== undefined && free > this.#limitMs
      ? Math.max(this.#baseVirtualMs, this.#limitMs)
      : free;
  }

  /** Current virtual time as a Date. */
  now(): Date {
    return new Date(this.nowMs());
  }

  /** Virtual seconds per wall second. */
  get timeScale(): number {
    return this.#timeScale;
  }

  /** Changes the speed from now on without jumping. */
  setTimeScale(timeScale: number): void {
    VirtualClock.#checkScale(timeScale);
    this.#rebase();
    this.#timeScale = timeScale;
    this.#changed();
  }

  /**
   * Lets the clock run at its time scale up to `limitMs`, or stops it: what a pacer (the
   * runtime's paced scheduler) does so that virtual time never passes work that is due. The time
   * scale stays what it was (and what {@link timeScale} says); moves by hand still move it.
   */
  pace(pace: ClockPace): void {
    this.#rebase();
    this.#running = pace.running;
    this.#limitMs = pace.limitMs;
  }

  /**
   * Calls `listener` after every move by hand ({@link advance}, {@link setNow}) and change of
   * speed, so a pacer can wake what became due. Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Moves virtual time forward by `ms` milliseconds (never backwards). */
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`advance by ${ms} ms is invalid; expected a finite number >= 0`);
    if (this.nowMs() + ms > MAX_CLOCK_MS) {
      throw new RangeError(
        `advance by ${ms} ms is invalid; virtual time would pass ${new Date(MAX_CLOCK_MS).toISOString()}`,
      );
    }
    this.#rebase();
    this.#baseVirtualMs += ms;
    this.#changed();
    return this.now();
  }

  /** Jumps to a virtual time; refuses to go backwards because derived job state assumes monotonic time. */
  setNow(ms: number): void {
    const now = this.nowMs();
    if (!Number.isFinite(ms) || ms < now) {
      throw new RangeError(
        `clock cannot move to ${new Date(ms).toISOString()}; it is already ${new Date(now).toISOString()}`,
      );
    }
    this.advance(ms - now);
  }

  #rebase(): void {
    this.#baseVirtualMs = this.nowMs();
    this.#baseWallMs = this.#wall();
  }

  /** Serializable snapshot (used by state save/load). */
  toJSON(): ClockSnapshot {
    return { nowMs: this.nowMs(), timeScale: this.#timeScale };
  }
}
