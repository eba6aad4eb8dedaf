/**
 * Discrete-event virtual time for the local runtime. The emulator clock is frozen; this scheduler
 * moves it. Every wait (Retry intervals, Wait states, task timeouts, the tasks' own `deps.sleep`)
 * registers a virtual wake-up. While any execution is doing something (between states, running
 * a task, waiting for an HTTP answer) time stands still; once every running execution is idle
 * (each Task it has in progress is blocked in a scheduler sleep or waiting for a child execution)
 * and pending I/O and microtasks have settled, the clock jumps to the earliest wake-up and those
 * sleepers go on. Virtual time then depends only on what was asked for, never on wall time, so
 * a loaded machine gives the same result as an idle one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';

/** A clock the scheduler can move: the emulator's `VirtualClock` at time scale 0 fits. */
export interface SchedulerClock {
  /** Virtual epoch milliseconds. */
  nowMs(): number;
  /** Moves virtual time forward by `ms` (never backwards). */
  advance(ms: number): unknown;
  /** When present, must be 0: a running clock would move under the scheduler's feet. */
  readonly timeScale?: number;
}

/**
 * A running clock a paced scheduler holds back (the emulator's `VirtualClock` fits): it runs at
 * `timeScale` only while the scheduler lets it, never past the limit it is given, and tells the
 * scheduler when it is moved by hand or its speed changes.
 */
export interface PacedClock {
  /** Virtual epoch milliseconds. */
  nowMs(): number;
  /** Virtual seconds per wall second while running (0: only moves by hand). */
  readonly timeScale: number;
  /** Lets the clock run up to `limitMs` (none: no limit), or stops it. */
  pace(pace: { readonly running: boolean; readonly limitMs?: number | undefined }): void;
  /** Calls `listener` after every move by hand or change of speed; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

/** Options of {@link DiscreteScheduler}. */
export interface DiscreteSchedulerOptions {
  /**
   * Discrete: a frozen clock the scheduler jumps. Paced (`paced: true`): a running
   * {@link PacedClock} the scheduler holds back.
   */
  readonly clock: SchedulerClock | PacedClock;
  /**
   * Paced virtual time (`drs-orch serve`, `--time-scale`): instead of jumping to the next wake-up,
   * the clock runs at its time scale while every execution is idle, and stops while any is active
   * (between states, running a task, waiting for an HTTP answer) and at the earliest wake-up until
   * that sleeper has woken. A busy server then slows virtual time down instead of letting it
   * outrun the work: a time scale never changes a result, only how long it takes. Wall time still
   * passes while everything is idle, so a person or another client can answer an approval or act
   * on the world as virtual time goes by. A move of the clock by hand wakes what became due.
   * @default false
   */
  readonly paced?: boolean;
  /**
   * `setImmediate` rounds that must pass with nothing changing before the clock moves. Microtasks
   * always settle within one round; the extra rounds let ready I/O callbacks run.
   * @default 3
   */
  readonly settleRounds?: number;
  /**
   * Counts this process's in-flight HTTP client requests (the AWS SDK's) as activity, so a task
   * that sleeps in one branch while another branch waits for an answer does not move time.
   * @default true
   */
  readonly trackHttp?: boolean;
  /**
   * Safety net: real milliseconds without any progress (no HTTP request starting or ending, no
   * wake-up, no task or execution starting, blocking, unblocking or ending) while executions are
   * running, after which every running execution is failed with {@link SchedulerStalled}, whose
   * message says what each execution is blocked on. A hang is a bug; this turns it into a loud
   * failure instead of a frozen run. Waiting for an approval with nothing else pending is not a
   * stall (a human may answer late). 0 disables it.
   * @default 10000
   */
  readonly stallTimeoutMs?: number;
}

/** Name of the error a stalled run fails with (see {@link DiscreteSchedulerOptions.stallTimeoutMs}). */
export const SCHEDULER_STALLED = 'SchedulerStalled';

/**
 * Nothing moved for `stallTimeoutMs` of real time while executions were running: a bug in the
 * time accounting or in a task. The message lists what each execution was blocked on.
 */
export class SchedulerStalled extends Error {
  override readonly name = SCHEDULER_STALLED;
}

/** Options of {@link DiscreteScheduler.beginExecution}. */
export interface BeginExecutionOptions {
  /** How the execution is named in diagnostics (machine and execution name). */
  readonly name?: string;
  /** Called once when the scheduler declares the run stalled; the execution should fail with `error`. */
  readonly onStall?: (error: SchedulerStalled) => void;
}

/** What the scheduler did (tests and the benchmark read it). */
export interface SchedulerStats {
  /** Times the clock jumped. */
  readonly advances: number;
  /** Virtual milliseconds the scheduler moved the clock in total. */
  readonly advancedMs: number;
  /** Sleepers registered so far. */
  readonly sleeps: number;
}

/** One running execution, as far as time is concerned. */
export interface ScheduledExecution {
  /** Starts tracking one Task invocation of this execution (`name`: its state, for diagnostics). */
  beginTask(name?: string): ScheduledTask;
  /** The execution has finished. */
  end(): void;
}

/** One Task invocation in progress. */
export interface ScheduledTask {
  /** Runs `fn` so that `deps.sleep` calls made inside it block this task. */
  run<T>(fn: () => T): T;
  /**
   * Awaits `work` with this task counted as blocked (a child execution, an approval). `what` names
   * it in diagnostics; {@link APPROVAL_WAIT} marks a wait for a human (never a stall).
   */
  blockOn<T>(work: Promise<T>, what?: string): Promise<T>;
  /** Sleeps until virtual `wakeMs`, blocked. Rejects with `signal.reason` when aborted. */
  sleepUntil(wakeMs: number, signal?: AbortSignal): Promise<void>;
  /** A wake-up at `wakeMs` that blocks nothing (timeouts racing the work). Never settles when aborted. */
  timer(wakeMs: number, signal?: AbortSignal): Promise<void>;
  /** The task has finished; its sleepers and timers are dropped (like a Lambda that was stopped). */
  end(): void;
}

/** What {@link ScheduledTask.blockOn} is told for an approval: a wait for a human. */
export const APPROVAL_WAIT = 'approval';

/** One reason a task is blocked: a sleeper, a child execution, an approval. */
interface Wait {
  /** Diagnostics; a sleeper describes itself by its wake-up. */
  readonly what?: string;
  readonly wakeMs?: number;
}

interface TaskState {
  readonly name: string;
  /** What the task is blocked on; blocked while not empty. */
  readonly waits: Set<Wait>;
  ended: boolean;
  readonly exec: ExecState;
}

interface ExecState {
  readonly name: string;
  readonly tasks: Set<TaskState>;
  readonly onStall?: (error: SchedulerStalled) => void;
}

interface Sleeper extends Wait {
  readonly wakeMs: number;
  readonly seq: number;
  /** The task this sleeper blocks, if any. */
  readonly blocks?: TaskState;
  /** The task this sleeper dies with, if any. */
  readonly owner?: TaskState;
  readonly wake: () => void;
}

const HTTP_START = 'http.client.request.start';

/**
 * The discrete-event scheduler. One per emulator clock; shared by every run in that world.
 *
 * @example
 * const emu = await startEmulator({ fleet: 'demo', timeScale: 0 });
 * const scheduler = new DiscreteScheduler({ clock: emu.clock });
 * const env = await createRuntimeEnv({ endpoint: emu.endpoint, credentials: emu.credentials, scheduler });
 * await runStateMachine({ machine: 'main', input, env }); // virtual time = DRS durations + polls
 */
export class DiscreteScheduler {
  readonly #clock: SchedulerClock;
  /** Paced mode: the running clock this scheduler holds back (the same object as #clock). */
  readonly #pacedClock: PacedClock | undefined;
  /** The pace last given to the paced clock, and the wall timer that comes back at its limit. */
  #paceRunning = true;
  #paceLimit: number | undefined;
  #paceTimer: NodeJS.Timeout | undefined;
  readonly #settleRounds: number;
  readonly #trackHttp: boolean;
  readonly #executions = new Set<ExecState>();
  readonly #sleepers: Sleeper[] = [];
  /** Why the clock is held (a person is being asked), see {@link DiscreteScheduler.hold}. */
  readonly #holds = new Set<{ readonly what: string }>();
  readonly #current = new AsyncLocalStorage<TaskState>();
  #seq = 0;
  #version = 0;
  #checking = false;
  #httpInFlight = 0;
  #httpSubscribed = false;
  #advances = 0;
  #advancedMs = 0;
  #sleeps = 0;
  readonly #stallTimeoutMs: number;
  #watchdog: NodeJS.Timeout | undefined;
  /** Version at the last watchdog tick, ticks since it last changed, and when it last changed. */
  #watchedVersion = -1;
  #quietTicks = 0;
  #quietSince = 0;
  #stallReported = false;
  #execCount = 0;

  constructor(opts: DiscreteSchedulerOptions) {
    if (opts.paced === true) {
      const clock = opts.clock as Partial<PacedClock>;
      if (typeof clock.pace !== 'function' || typeof clock.onChange !== 'function') {
        throw new TypeError('paced virtual time needs a clock the scheduler can hold (pace, onChange)');
      }
    } else if (opts.clock.timeScale !== undefined && opts.clock.timeScale !== 0) {
      throw new RangeError(
        `clock runs at time scale ${opts.clock.timeScale}; discrete virtual time needs a frozen clock (time scale 0)`,
      );
    }
    const rounds = opts.settleRounds ?? 3;
    if (!Number.isInteger(rounds) || rounds < 1) {
      throw new RangeError(`settle rounds ${rounds} is invalid; expected an integer >= 1`);
    }
    const stall = opts.stallTimeoutMs ?? 10_000;
    if (!Number.isFinite(stall) || stall < 0) {
      throw new RangeError(
        `stall timeout ${stall} ms is invalid; expected a finite number >= 0 (0 disables)`,
      );
    }
    this.#clock = opts.clock as SchedulerClock;
    if (opts.paced === true) {
      this.#pacedClock = opts.clock as PacedClock;
      // Moved by hand (POST /_emulator/time/advance) or sped up: what became due wakes now.
      this.#pacedClock.onChange(() => {
        this.#paceLimit = Number.NaN;
        this.#touch();
      });
    }
    this.#settleRounds = rounds;
    this.#trackHttp = opts.trackHttp ?? true;
    this.#stallTimeoutMs = stall;
  }

  /** Virtual now. */
  now(): Date {
    return new Date(this.#clock.nowMs());
  }

  /** Virtual now, epoch milliseconds. */
  nowMs(): number {
    return this.#clock.nowMs();
  }

  stats(): SchedulerStats {
    return { advances: this.#advances, advancedMs: this.#advancedMs, sleeps: this.#sleeps };
  }

  /**
   * Sleeps `ms` virtual milliseconds: what `deps.sleep` is locally. Called inside a task (see
   * {@link ScheduledTask.run}) it blocks that task; elsewhere it blocks nothing but still wakes.
   */
  sleep = (ms: number): Promise<void> => {
    const task = this.#current.getStore();
    const wakeMs = this.#clock.nowMs() + Math.max(0, ms);
    return task ? this.#sleepUntil(wakeMs, task, task) : this.#sleepUntil(wakeMs, undefined, undefined);
  };

  /**
   * Holds the clock while a person decides (the CLI's approval prompt): nothing counts as idle, so
   * no wake-up (the approval's own timeout) comes while they think, and the wait is never called a
   * stall. Returns the release; releasing twice is harmless.
   *
   * @example const release = scheduler.hold('the operator is asked to approve wave 2'); ... release();
   */
  hold(what: string): () => void {
    const hold = { what };
    this.#holds.add(hold);
    this.#touch();
    return () => {
      if (this.#holds.delete(hold)) this.#touch();
    };
  }

  /** Starts tracking an execution; it counts as active until it has tasks that are all blocked. */
  beginExecution(opts: BeginExecutionOptions = {}): ScheduledExecution {
    this.#execCount += 1;
    const exec: ExecState = {
      name: opts.name ?? `execution ${this.#execCount}`,
      tasks: new Set(),
      ...(opts.onStall ? { onStall: opts.onStall } : {}),
    };
    this.#executions.add(exec);
    this.#subscribeHttp();
    this.#startWatchdog();
    this.#touch();
    return {
      beginTask: (name) => this.#beginTask(exec, name),
      end: () => {
        if (!this.#executions.delete(exec)) return;
        for (const task of exec.tasks) this.#endTask(task);
        if (this.#executions.size === 0) {
          this.#unsubscribeHttp();
          this.#stopWatchdog();
        }
        this.#touch();
      },
    };
  }

  /**
   * What every running execution is doing, one line each, plus HTTP requests in flight and
   * pending wake-ups: the message of {@link SchedulerStalled}, and a debugging aid.
   */
  describe(): string {
    const iso = (ms: number): string => new Date(ms).toISOString();
    const lines: string[] = [];
    for (const exec of this.#executions) {
      if (exec.tasks.size === 0) {
        lines.push(`${exec.name}: between states (no task running)`);
        continue;
      }
      for (const task of exec.tasks) {
        const waits = [...task.waits].map((w) =>
          w.wakeMs !== undefined ? `a sleep until ${iso(w.wakeMs)}` : (w.what ?? 'something'),
        );
        lines.push(
          waits.length > 0
            ? `${exec.name}: task ${task.name} blocked on ${waits.join(', ')}`
            : `${exec.name}: task ${task.name} running, awaiting neither HTTP nor a scheduler sleep`,
        );
      }
    }
    for (const hold of this.#holds) lines.push(`clock held: ${hold.what}`);
    let earliest: number | undefined;
    for (const s of this.#sleepers) if (earliest === undefined || s.wakeMs < earliest) earliest = s.wakeMs;
    lines.push(
      `${this.#httpInFlight} HTTP request(s) in flight; ${this.#sleepers.length} wake-up(s) pending` +
        (earliest === undefined ? '' : `, the earliest at ${iso(earliest)}`) +
        `; virtual now ${iso(this.#clock.nowMs())}`,
    );
    return lines.join('\n');
  }

  #beginTask(exec: ExecState, name: string | undefined): ScheduledTask {
    const task: TaskState = { name: name ?? 'task', waits: new Set(), ended: false, exec };
    exec.tasks.add(task);
    this.#touch();
    return {
      run: (fn) => this.#current.run(task, fn),
      blockOn: async (work, what) => {
        const wait: Wait = { what: what ?? 'a child execution' };
        this.#block(task, wait, true);
        try {
          return await work;
        } finally {
          this.#block(task, wait, false);
        }
      },
      sleepUntil: (wakeMs, signal) => this.#sleepUntil(wakeMs, task, task, signal),
      timer: (wakeMs, signal) => this.#sleepUntil(wakeMs, undefined, task, signal, true),
      end: () => this.#endTask(task),
    };
  }

  #endTask(task: TaskState): void {
    if (task.ended) return;
    task.ended = true;
    task.exec.tasks.delete(task);
    // Sleepers of a finished task never wake: nobody waits for them (a timed-out task's own
    // sleep), and they must not pull the clock forward after the run.
    for (let i = this.#sleepers.length - 1; i >= 0; i--) {
      const s = this.#sleepers[i] as Sleeper;
      if (s.owner === task) this.#sleepers.splice(i, 1);
    }
    this.#touch();
  }

  #block(task: TaskState, wait: Wait, on: boolean): void {
    if (on) task.waits.add(wait);
    else task.waits.delete(wait);
    this.#touch();
  }

  #sleepUntil(
    wakeAt: number,
    blocks: TaskState | undefined,
    owner: TaskState | undefined,
    signal?: AbortSignal,
    silentAbort = false,
  ): Promise<void> {
    if (owner?.ended) return new Promise(() => {});
    const wakeMs = Math.ceil(wakeAt);
    if (wakeMs <= this.#clock.nowMs()) return Promise.resolve();
    this.#sleeps += 1;
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        wakeMs,
        seq: this.#seq++,
        ...(blocks ? { blocks } : {}),
        ...(owner ? { owner } : {}),
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const at = this.#sleepers.indexOf(sleeper);
        if (at < 0) return;
        this.#sleepers.splice(at, 1);
        if (blocks) this.#block(blocks, sleeper, false);
        if (!silentAbort) reject(signal?.reason);
      };
      if (signal?.aborted) {
        if (!silentAbort) reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
      // Counted before the promise is returned, so the task is blocked from this very moment.
      if (blocks) this.#block(blocks, sleeper, true);
      else this.#touch();
    });
  }

  #idle(): boolean {
    if (this.#httpInFlight > 0 || this.#holds.size > 0) return false;
    for (const exec of this.#executions) {
      if (exec.tasks.size === 0) return false;
      for (const task of exec.tasks) if (task.waits.size === 0) return false;
    }
    return true;
  }

  #touch(): void {
    this.#version += 1;
    if (this.#pacedClock) this.#pace(this.#pacedClock);
    if (this.#checking || !this.#due()) return;
    this.#checking = true;
    void this.#check();
  }

  /** Whether a wake-up may happen now: everything idle and (paced) the earliest one reached. */
  #due(): boolean {
    if (this.#sleepers.length === 0 || !this.#idle()) return false;
    return !this.#pacedClock || this.#earliestWake() <= this.#clock.nowMs();
  }

  #earliestWake(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const s of this.#sleepers) if (s.wakeMs < earliest) earliest = s.wakeMs;
    return earliest;
  }

  /**
   * Paced mode: the clock runs while everything is idle, up to the earliest wake-up (where it
   * waits for this scheduler to wake that sleeper), and stands still while anything is active. A
   * wall timer comes back when the running clock reaches the wake-up.
   */
  #pace(clock: PacedClock): void {
    const running = this.#idle();
    const earliest = this.#earliestWake();
    const limit = Number.isFinite(earliest) ? earliest : undefined;
    const changed = running !== this.#paceRunning || limit !== this.#paceLimit;
    if (changed) {
      clock.pace({ running, limitMs: limit });
      this.#paceRunning = running;
      this.#paceLimit = limit;
    }
    if (!changed && this.#paceTimer !== undefined) return;
    clearTimeout(this.#paceTimer);
    this.#paceTimer = undefined;
    if (!running || limit === undefined || !(clock.timeScale > 0)) return;
    const left = limit - clock.nowMs();
    if (left <= 0) return;
    this.#paceTimer = setTimeout(
      () => {
        this.#paceTimer = undefined;
        this.#touch();
      },
      Math.max(1, Math.ceil(left / clock.timeScale)),
    );
  }

  async #check(): Promise<void> {
    try {
      for (;;) {
        if (!this.#due()) return;
        const version = this.#version;
        for (let i = 0; i < this.#settleRounds; i++) await new Promise((r) => setImmediate(r));
        if (version !== this.#version) continue;
        if (!this.#due()) return;
        this.#advance();
      }
    } finally {
      this.#checking = false;
    }
  }

  /**
   * Moves the clock to the earliest wake-up (paced: the clock is already there) and wakes
   * everything due then, in order.
   */
  #advance(): void {
    let next = this.#sleepers[0] as Sleeper;
    for (const s of this.#sleepers) if (s.wakeMs < next.wakeMs) next = s;
    const now = this.#clock.nowMs();
    if (next.wakeMs > now && !this.#pacedClock) {
      this.#clock.advance(next.wakeMs - now);
      this.#advances += 1;
      this.#advancedMs += next.wakeMs - now;
    }
    const at = this.#clock.nowMs();
    const due = this.#sleepers
      .filter((s) => s.wakeMs <= at)
      .sort((a, b) => a.wakeMs - b.wakeMs || a.seq - b.seq);
    for (const s of due) {
      this.#sleepers.splice(this.#sleepers.indexOf(s), 1);
      // Unblocked now, not in the sleeper's continuation, so the next check sees it active.
      s.blocks?.waits.delete(s);
      s.wake();
    }
    this.#version += 1;
    // Paced: the woken are active, so the clock stops here until they are idle again.
    if (this.#pacedClock) this.#pace(this.#pacedClock);
  }

  #startWatchdog(): void {
    if (this.#watchdog || this.#stallTimeoutMs === 0) return;
    this.#watchedVersion = this.#version;
    this.#quietTicks = 0;
    this.#quietSince = Date.now();
    this.#stallReported = false;
    // Ten ticks per timeout: a stall needs ten quiet ticks (the event loop was responsive, so a
    // long synchronous computation is not mistaken for one) and the whole timeout in wall time.
    // Kept referenced: while an execution runs, the process must not exit silently mid-run.
    this.#watchdog = setInterval(() => this.#watch(), Math.max(1, Math.floor(this.#stallTimeoutMs / 10)));
  }

  #stopWatchdog(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #watch(): void {
    if (this.#version !== this.#watchedVersion || this.#waitingForHuman()) {
      this.#watchedVersion = this.#version;
      this.#quietTicks = 0;
      this.#quietSince = Date.now();
      this.#stallReported = false;
      return;
    }
    this.#quietTicks += 1;
    if (this.#stallReported || this.#quietTicks < 10) return;
    const quietMs = Date.now() - this.#quietSince;
    if (quietMs < this.#stallTimeoutMs) return;
    this.#stallReported = true;
    const error = new SchedulerStalled(
      `discrete scheduler stalled: nothing moved for ${(quietMs / 1000).toFixed(1)} s of real time while ${this.#executions.size} execution(s) ran; this is a bug, please report it with this message:\n${this.describe()}`,
    );
    for (const exec of [...this.#executions]) {
      try {
        exec.onStall?.(error);
      } catch {
        // One execution's handler must not keep the others from failing.
      }
    }
  }

  /** The clock held for a person, or everything idle, nothing to wake and an approval pending: a human may take their time. */
  #waitingForHuman(): boolean {
    if (this.#holds.size > 0) return true;
    // Paced: everything idle means the clock runs (towards a wake-up, or for whoever answers);
    // a request in flight is the server at work (or a latency fault of up to a minute), not a hang.
    if (this.#pacedClock && (this.#idle() || this.#httpInFlight > 0)) return true;
    if (this.#sleepers.length > 0 || !this.#idle()) return false;
    for (const exec of this.#executions)
      for (const task of exec.tasks) for (const w of task.waits) if (w.what === APPROVAL_WAIT) return true;
    return false;
  }

  readonly #onHttpStart = (message: unknown): void => {
    const request = (message as { request?: { once?: (event: string, fn: () => void) => unknown } }).request;
    if (typeof request?.once !== 'function') return;
    this.#httpInFlight += 1;
    this.#touch();
    request.once('close', () => {
      this.#httpInFlight -= 1;
      this.#touch();
    });
  };

  #subscribeHttp(): void {
    if (!this.#trackHttp || this.#httpSubscribed) return;
    diagnosticsChannel.subscribe(HTTP_START, this.#onHttpStart);
    this.#httpSubscribed = true;
  }

  #unsubscribeHttp(): void {
    if (!this.#httpSubscribed) return;
    diagnosticsChannel.unsubscribe(HTTP_START, this.#onHttpStart);
    this.#httpSubscribed = false;
    // Requests still open keep their close listeners; they only ever decrement.
  }
}
