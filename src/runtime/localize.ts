/**
 * Turns a deployable definition into the one `aws-local-stepfunctions` runs, working around the
 * interpreter's differences from AWS (src/runtime/README.md lists them). Pure.
 */
import { type AslObject, bindingOf, type TaskBinding, walkStates } from './definitions.js';

/**
 * Task timeout the interpreter is given (seconds). It enforces `TimeoutSeconds` in wall time and
 * defaults to 60 s, which would cut child executions and approval waits short; the runtime
 * enforces the real (scaled) timeout itself. Stays below setTimeout's 2^31-1 ms ceiling.
 */
export const LOCAL_TASK_TIMEOUT_SECONDS = 2_000_000;

/**
 * Context field that carries the virtual start time: the interpreter overwrites
 * `$$.Execution.StartTime` with the wall clock, so references to it are redirected here.
 */
export const VIRTUAL_START_TIME_FIELD = 'VirtualStartTime';

/** Parameters wrapper used when a Task has `TimeoutSecondsPath` (resolved against the state input, as AWS does). */
export const WRAPPED_PARAMETERS = '__localParameters';
/** Field of the wrapper holding the resolved `TimeoutSecondsPath`. */
export const WRAPPED_TIMEOUT = '__localTimeoutSeconds';

/**
 * Field of the wrapper holding the resolved `Credentials.RoleArn` (or `RoleArn.$`) of an AWS SDK
 * integration Task: the role the runtime assumes for the call (cross-account task states).
 */
export const WRAPPED_ROLE_ARN = '__localRoleArn';

/** Field of the wrapper holding the resolved `SecondsPath` of a Wait state made a Task. */
export const WRAPPED_WAIT_SECONDS = '__localWaitSeconds';

/** Resource of the Task a Wait state becomes in discrete time (never deployed). */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::local:wait';

/** What runs a local Task: a task function or integration, or a Wait state made a Task (discrete time). */
export type LocalBinding =
  | TaskBinding
  /** The iteration of a Distributed Map: one child execution of the Map's ItemProcessor. */
  | { readonly kind: 'mapRun'; readonly mapName: string; readonly label: string }
  /** `seconds` from `Seconds`, or from `SecondsPath` (resolved into the wrapped input) when absent. */
  | { readonly kind: 'wait'; readonly seconds?: number };

/** One `Retry` entry with the ASL defaults filled in (seconds, as written in the definition). */
export interface LocalRetrier {
  readonly errorEquals: readonly string[];
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds?: number;
}

/** How a Task state is run locally. */
export interface LocalTask {
  readonly stateName: string;
  readonly binding: LocalBinding;
  /**
   * The state's `Retry`, unscaled. Filled in discrete time only, where the runtime waits out the
   * intervals itself (the interpreter is told to retry at once).
   */
  readonly retriers?: readonly LocalRetrier[];
  /** `TimeoutSeconds` of the state, in virtual seconds. */
  readonly timeoutSeconds?: number;
  /** `HeartbeatSeconds` of the state, in virtual seconds (a `.waitForTaskToken` wait fails without one in time). */
  readonly heartbeatSeconds?: number;
  /** The Task had `TimeoutSecondsPath`: its input is wrapped (see {@link WRAPPED_PARAMETERS}). */
  readonly timeoutFromInput: boolean;
  /**
   * An AWS SDK integration Task with `Credentials`: its input is wrapped, the role ARN in
   * {@link WRAPPED_ROLE_ARN}, and the call is made with that role's credentials.
   */
  readonly credentials?: boolean;
}

/** A definition ready for the interpreter. */
export interface LocalDefinition {
  readonly definition: AslObject;
  /** Task states by name (names are unique across a definition, iterators included). */
  readonly tasks: ReadonlyMap<string, LocalTask>;
  /** Wait state durations in wall milliseconds (`waitTimeOverrides`). */
  readonly waitOverridesMs: Readonly<Record<string, number>>;
  /** Retry intervals for the interpreter (`retryIntervalOverrides`): 0 for every retrying state in discrete time. */
  readonly retryOverridesMs: Readonly<Record<string, number>>;
  /** Wait states that were turned into Tasks (discrete time); events still call them Wait. */
  readonly waitStates: ReadonlySet<string>;
  /**
   * Distributed Maps by state name: their label and their (localized) ItemProcessor, which runs
   * as one child execution per item; the interpreter's copy iterates a single `mapRun` Task.
   */
  readonly distributedMaps: ReadonlyMap<string, { readonly label: string; readonly processor: AslObject }>;
}

/** Step Functions' concurrency of an inline Map: at most 40 iterations at once, whatever MaxConcurrency says. */
export const INLINE_MAP_MAX_CONCURRENCY = 40;

/** Step Functions' concurrency of a Distributed Map's child executions when MaxConcurrency is 0 or absent. */
export const DISTRIBUTED_MAP_MAX_CONCURRENCY = 10_000;

/** Resource of the Task that stands for one Distributed Map iteration in the interpreter's copy. */
export const LOCAL_MAP_RUN_RESOURCE = 'arn:aws:states:::local:mapRun';

/** The name of that Task (unique: state names are). */
export function mapRunTaskName(mapName: string): string {
  return `${mapName} (map run child)`;
}

/** Options of {@link localizeDefinition}. */
export interface LocalizeOptions {
  /** Virtual seconds per wall second (> 0): Wait and Retry intervals are divided by it. Ignored in discrete time. */
  readonly timeScale: number;
  /**
   * Discrete virtual time (a scheduler moves the clock): Retry intervals are left to the runtime
   * (the interpreter retries at once) and Wait states become Tasks the runtime sleeps in.
   * @default false
   */
  readonly discrete?: boolean;
}

function retriersOf(state: AslObject): LocalRetrier[] {
  if (!Array.isArray(state.Retry)) return [];
  return (state.Retry as AslObject[]).map((r) => ({
    errorEquals: Array.isArray(r.ErrorEquals) ? (r.ErrorEquals as string[]) : [],
    // ASL defaults (also the interpreter's).
    intervalSeconds: typeof r.IntervalSeconds === 'number' ? r.IntervalSeconds : 1,
    maxAttempts: typeof r.MaxAttempts === 'number' ? r.MaxAttempts : 3,
    backoffRate: typeof r.BackoffRate === 'number' ? r.BackoffRate : 2,
    ...(typeof r.MaxDelaySeconds === 'number' ? { maxDelaySeconds: r.MaxDelaySeconds } : {}),
  }));
}

function redirectStartTime(value: unknown): unknown {
  if (typeof value === 'string') {
    // A function replacement: in a replacement string `$$` would collapse to `$`.
    return value.replaceAll('$$.Execution.StartTime', () => `$$.Execution.${VIRTUAL_START_TIME_FIELD}`);
  }
  if (Array.isArray(value)) return value.map(redirectStartTime);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redirectStartTime(v)]));
  }
  return value;
}

const JSON_MERGE = 'States.JsonMerge(';

/** Index of the first comma of `text` at depth 0 from `from` (outside quotes), or -1. */
function topLevelComma(text: string, from: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === "'") quoted = false;
    } else if (c === "'") quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return -1;
      depth--;
    } else if (c === ',' && depth === 0) return i;
  }
  return -1;
}

/**
 * The interpreter's `States.JsonMerge(a, b, false)` is `Object.assign(a, b)`: it changes `a`, the
 * state's own data, so a later reference to `a` sees `b` merged in (the waves workflow's
 * `waveDefaults` took wave 2's `approval: true` into wave 3, and `run.options` each wave's options).
 * On AWS an intrinsic returns a new value. The first argument is therefore given as a copy:
 * `States.StringToJson(States.JsonToString(a))`.
 *
 * @example copyMergeTargets("States.JsonMerge($.a, $.b, false)")
 * // "States.JsonMerge(States.StringToJson(States.JsonToString($.a)), $.b, false)"
 */
export function copyMergeTargets(text: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const at = text.indexOf(JSON_MERGE, i);
    if (at < 0) return out + text.slice(i);
    const start = at + JSON_MERGE.length;
    const end = topLevelComma(text, start);
    // Malformed: left as it is, for the interpreter to refuse.
    if (end < 0) return out + text.slice(i);
    const first = copyMergeTargets(text.slice(start, end));
    out += `${text.slice(i, start)}States.StringToJson(States.JsonToString(${first}))`;
    i = end;
  }
}

/** {@link copyMergeTargets} in every path-valued field (`"<key>.$"`) of a definition. */
function copyMergeTargetsIn(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return key.endsWith('.$') ? copyMergeTargets(value) : value;
  if (Array.isArray(value)) return value.map((v) => copyMergeTargetsIn(v));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyMergeTargetsIn(v, k)]));
  }
  return value;
}

function scaleRetriers(state: AslObject, timeScale: number): void {
  if (!Array.isArray(state.Retry)) return;
  state.Retry = state.Retry.map((retrier: AslObject) => {
    // ASL defaults: IntervalSeconds 1. Fractional seconds keep BackoffRate exact, unlike
    // retryIntervalOverrides, which replaces the whole backoff series with one value.
    const scaled: AslObject = {
      ...retrier,
      IntervalSeconds: ((retrier.IntervalSeconds as number) ?? 1) / timeScale,
    };
    if (typeof retrier.MaxDelaySeconds === 'number')
      scaled.MaxDelaySeconds = retrier.MaxDelaySeconds / timeScale;
    return scaled;
  });
}

/**
 * The interpreter treats `ResultPath: "$"` as a field named `$` instead of "replace the input";
 * leaving it out means the same thing in ASL and works there.
 */
function dropRootResultPath(state: AslObject): void {
  if (state.ResultPath === '$') delete state.ResultPath;
  if (!Array.isArray(state.Catch)) return;
  for (const catcher of state.Catch as AslObject[]) {
    if (catcher.ResultPath === '$') delete catcher.ResultPath;
  }
}

/**
 * The wrapper field of a Task's `Credentials` (`{ RoleArn }` or `{ "RoleArn.$": path }`), or
 * undefined without one.
 * @throws {Error} for a `Credentials` that names no role
 */
function credentialsRole(name: string, credentials: unknown): Record<string, string> | undefined {
  if (credentials === undefined) return undefined;
  const c = typeof credentials === 'object' && credentials !== null ? (credentials as AslObject) : {};
  if (typeof c.RoleArn === 'string') return { [WRAPPED_ROLE_ARN]: c.RoleArn };
  if (typeof c['RoleArn.$'] === 'string') return { [`${WRAPPED_ROLE_ARN}.$`]: c['RoleArn.$'] };
  throw new Error(`task state "${name}" has Credentials without RoleArn or RoleArn.$`);
}

/**
 * Localizes a definition whose placeholders are already substituted.
 *
 * - every Task is bound by its `Resource` (throws on an unknown one), and names must be unique;
 * - `$$.Execution.StartTime` reads the virtual start time;
 * - `States.JsonMerge` merges into a copy of its first argument (the interpreter changes it);
 * - `ResultPath: "$"` is left out (same meaning, which the interpreter gets wrong);
 * - Retry intervals (and MaxDelaySeconds) and Wait `Seconds` are divided by the time scale, or in
 *   discrete time left to the runtime (retries at once for the interpreter, Waits become Tasks);
 * - Task timeouts are taken over by the runtime (virtual time, `TimeoutSecondsPath` on the state input).
 *
 * @throws {Error} for an unknown Task resource, a duplicate state name, or a Wait the runtime cannot scale
 */
export function localizeDefinition(source: AslObject, opts: LocalizeOptions): LocalDefinition {
  const discrete = opts.discrete === true;
  if (!discrete && (!(opts.timeScale > 0) || !Number.isFinite(opts.timeScale))) {
    throw new RangeError(`time scale ${opts.timeScale} is invalid; expected a finite number > 0`);
  }
  const definition = copyMergeTargetsIn(redirectStartTime(source)) as AslObject;
  const tasks = new Map<string, LocalTask>();
  const waitOverridesMs: Record<string, number> = {};
  const retryOverridesMs: Record<string, number> = {};
  const waitStates = new Set<string>();
  const seen = new Set<string>();
  for (const { name, state } of walkStates(definition)) {
    // The interpreter keys overrides by state name, also inside Map iterators.
    if (seen.has(name))
      throw new Error(`state name "${name}" is used twice; the local runtime needs unique state names`);
    seen.add(name);
    const retriers = retriersOf(state);
    if (discrete) {
      // The interpreter would sleep in wall time; it retries at once and the runtime waits.
      if (retriers.length > 0) retryOverridesMs[name] = 0;
    } else {
      scaleRetriers(state, opts.timeScale);
    }
    dropRootResultPath(state);
    if (state.Type === 'Wait' && typeof state.SecondsPath === 'string') {
      // Always a Task the runtime sleeps in (virtual time, or wall time / scale): the interpreter
      // would sleep the unscaled seconds. The path is resolved by the interpreter, as for
      // TimeoutSecondsPath, into a wrapper around the unchanged input.
      state.Parameters = {
        [`${WRAPPED_PARAMETERS}.$`]: '$',
        [`${WRAPPED_WAIT_SECONDS}.$`]: state.SecondsPath,
      };
      delete state.SecondsPath;
      state.Type = 'Task';
      state.Resource = LOCAL_WAIT_RESOURCE;
      state.TimeoutSeconds = LOCAL_TASK_TIMEOUT_SECONDS;
      waitStates.add(name);
      tasks.set(name, { stateName: name, binding: { kind: 'wait' }, timeoutFromInput: false });
      continue;
    }
    if (state.Type === 'Wait') {
      if (typeof state.Seconds !== 'number') {
        throw new Error(
          `wait state "${name}" uses ${Object.keys(state).find((k) => k !== 'Type' && k !== 'Next' && k !== 'End')}; the local runtime scales only Seconds`,
        );
      }
      if (discrete) {
        // A Task whose handler sleeps in virtual time and returns its input: the same output
        // as the Wait (InputPath/OutputPath kept; a Wait has no Parameters or ResultPath).
        const seconds = state.Seconds;
        delete state.Seconds;
        state.Type = 'Task';
        state.Resource = LOCAL_WAIT_RESOURCE;
        state.TimeoutSeconds = LOCAL_TASK_TIMEOUT_SECONDS;
        waitStates.add(name);
        tasks.set(name, { stateName: name, binding: { kind: 'wait', seconds }, timeoutFromInput: false });
        continue;
      }
      waitOverridesMs[name] = (state.Seconds * 1000) / opts.timeScale;
    }
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    const binding = bindingOf(resource);
    if (!binding)
      throw new Error(`task state "${name}" has resource ${resource}, which no task or integration binds`);
    const timeoutFromInput = typeof state.TimeoutSecondsPath === 'string';
    // Step Functions assumes the Credentials role for the call (cross-account task states); the
    // runtime does the same for its SDK integrations, with the role resolved by the interpreter
    // against the state input like the Parameters. Other integrations keep ignoring it.
    const role = binding.kind === 'awsSdk' ? credentialsRole(name, state.Credentials) : undefined;
    delete state.Credentials;
    if (timeoutFromInput || role !== undefined) {
      const parameters =
        state.Parameters === undefined
          ? { [`${WRAPPED_PARAMETERS}.$`]: '$' }
          : { [WRAPPED_PARAMETERS]: state.Parameters };
      state.Parameters = {
        ...parameters,
        ...(timeoutFromInput && { [`${WRAPPED_TIMEOUT}.$`]: state.TimeoutSecondsPath }),
        ...role,
      };
    }
    const timeoutSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined;
    if (state.HeartbeatSecondsPath !== undefined) {
      throw new Error(
        `task state "${name}" uses HeartbeatSecondsPath; the local runtime supports HeartbeatSeconds only`,
      );
    }
    const heartbeatSeconds = typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined;
    delete state.TimeoutSecondsPath;
    delete state.HeartbeatSeconds;
    delete state.HeartbeatSecondsPath;
    state.TimeoutSeconds = LOCAL_TASK_TIMEOUT_SECONDS;
    tasks.set(name, {
      stateName: name,
      binding,
      timeoutFromInput,
      ...(role !== undefined && { credentials: true }),
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds }),
      ...(discrete && retriers.length > 0 ? { retriers } : {}),
    });
  }
  const distributedMaps = new Map<string, { label: string; processor: AslObject }>();
  for (const { name, state, parents } of walkStates(definition)) {
    if (state.Type !== 'Map') continue;
    const processor = (state.ItemProcessor ?? state.Iterator) as AslObject | undefined;
    const config = processor?.ProcessorConfig as AslObject | undefined;
    const max = typeof state.MaxConcurrency === 'number' ? state.MaxConcurrency : 0;
    if (config?.Mode !== 'DISTRIBUTED' || processor === undefined) {
      // AWS runs at most 40 iterations of an inline Map at once (0 means "as many as possible":
      // 40); the interpreter would run MaxConcurrency of them.
      state.MaxConcurrency =
        max === 0 ? INLINE_MAP_MAX_CONCURRENCY : Math.min(max, INLINE_MAP_MAX_CONCURRENCY);
      continue;
    }
    if (parents.length > 0)
      throw new Error(`distributed map "${name}" is nested; the local runtime runs top-level ones only`);
    // Each item becomes a child execution of the ItemProcessor, with its own history (the
    // parent's records MapRunStarted/MapRunSucceeded, no iteration events); the interpreter
    // iterates one Task per item that starts it.
    const label = typeof state.Label === 'string' ? state.Label : name;
    const { ProcessorConfig: _config, ...states } = processor;
    distributedMaps.set(name, { label, processor: states });
    const task = mapRunTaskName(name);
    state.ItemProcessor = {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: task,
      States: {
        [task]: {
          Type: 'Task',
          Resource: LOCAL_MAP_RUN_RESOURCE,
          TimeoutSeconds: LOCAL_TASK_TIMEOUT_SECONDS,
          End: true,
        },
      },
    };
    delete state.Iterator;
    state.MaxConcurrency = max === 0 ? DISTRIBUTED_MAP_MAX_CONCURRENCY : max;
    tasks.set(task, {
      stateName: task,
      binding: { kind: 'mapRun', mapName: name, label },
      timeoutFromInput: false,
    });
  }
  return { definition, tasks, waitOverridesMs, retryOverridesMs, waitStates, distributedMaps };
}
