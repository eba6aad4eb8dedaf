/**
 * The inspection API under `/_emulator/...` (unsigned, loopback only): what tests and reports
 * read (call counts, jobs, instances, SNS messages, S3 objects, virtual time) and the controls
 * they need (advance the clock, change the fault plan, set a failback state, save state).
 *
 * It is unsigned, so it defends itself against the one caller that can reach a loopback port
 * uninvited, a web page in the user's browser: a Host that is not loopback is refused (DNS
 * rebinding), a write must say `content-type: application/json` (which a cross-site page cannot
 * send without a CORS preflight this API never grants), every argument is checked, saves stay in
 * one folder, and credentials are shown only when asked for.
 */
import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { DocumentRejected, readDocument } from '../contract/index.js';
import { MAX_TIME_SCALE } from './clock.js';
import { type FaultPlan, FaultPlanError } from './faults.js';
import { InspectionError, type InspectionRoute, stringArg } from './registry.js';
import type { EmulatorState } from './state.js';
import type { EmulatorRequest, EmulatorResponse, InspectionViews } from './types.js';

export type { InspectionViews } from './types.js';

export { InspectionError };

/** Options of {@link createInspection}. */
export interface InspectionOptions {
  /** The only folder `POST state/save` writes to. @default the process's working directory */
  readonly saveDir?: string;
  /**
   * Paths `POST state/save` never writes even when they do not exist yet (a state file's own
   * snapshot, journal, lock and objects folder).
   */
  readonly reserved?: readonly string[];
}

/** Longest single clock advance the API accepts (ten years): virtual time stays a valid date. */
export const MAX_ADVANCE_MS = 10 * 365 * 86_400_000;

const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

/** A finite number >= 0 and <= max, or undefined when absent; anything else names the field. */
function numberArg(b: Record<string, unknown>, field: string, max: number): number | undefined {
  const v = b[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
    throw new InspectionError(`${field} ${JSON.stringify(v)} is invalid; expected a number from 0 to ${max}`);
  }
  return v;
}

/** The snapshot with secret keys and session tokens masked. */
function withoutSecrets(snapshot: unknown): unknown {
  return JSON.parse(JSON.stringify(snapshot), (key, value: unknown) =>
    (key === 'secretAccessKey' || key === 'sessionToken') && typeof value === 'string' ? '***' : value,
  );
}

/**
 * The absolute path `requested` names inside `dir`, or an error: relative paths are resolved in
 * `dir`, and neither `..` nor a symbolic link may lead out of it.
 */
async function pathInside(dir: string, requested: string): Promise<string> {
  // A NUL or another control character is never part of a file name we write.
  if ([...requested].some((c) => c.charCodeAt(0) < 0x20)) {
    throw new InspectionError(`path ${JSON.stringify(requested)} is invalid; it holds a control character`);
  }
  const root = await realpath(resolve(dir));
  const target = resolve(root, requested);
  let parent: string;
  try {
    parent = await realpath(dirname(target));
  } catch {
    throw new InspectionError(`path ${JSON.stringify(requested)} is invalid; its folder does not exist`);
  }
  const rel = relative(root, resolve(parent, basename(target)));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new InspectionError(
      `path ${JSON.stringify(requested)} is outside the state folder ${root}; save inside it`,
    );
  }
  return resolve(parent, basename(target));
}

/** What is at a path: nothing, a file, or something else (a folder, a socket...). */
async function kindOf(path: string): Promise<'none' | 'file' | 'other'> {
  try {
    const st = await lstat(path);
    return st.isFile() ? 'file' : 'other';
  } catch {
    return 'none';
  }
}

/**
 * Checks that `state/save` may write `path` (and its `path.objects/` folder of S3 bodies): a new
 * file, or one this emulator saved before; never a folder, a reserved path (the state file's own
 * files), anything under a `*.objects` folder, or a file the emulator did not write.
 *
 * @throws {InspectionError} naming the problem
 */
async function checkSaveTarget(
  path: string,
  requested: string,
  root: string,
  reserved: ReadonlySet<string>,
  written: ReadonlySet<string>,
): Promise<void> {
  const shown = JSON.stringify(requested);
  const inside = relative(root, path).split(/[\\/]/);
  if (inside.slice(0, -1).some((part) => part.endsWith('.objects'))) {
    throw new InspectionError(
      `path ${shown} is inside a folder of S3 object bodies (*.objects); save to a file name in the state folder`,
    );
  }
  for (const candidate of [path, `${path}.objects`]) {
    if (reserved.has(candidate) || [...reserved].some((r) => candidate === `${r}.objects`)) {
      throw new InspectionError(
        `path ${shown} is the state file's own ${candidate === path ? 'file' : 'objects folder'}; save to a new file name`,
      );
    }
  }
  const kind = await kindOf(path);
  if (kind === 'other') {
    throw new InspectionError(
      `path ${shown} is a folder (or not a regular file); give a file name such as world.json`,
    );
  }
  if (kind === 'file' && !written.has(path)) {
    throw new InspectionError(
      `path ${shown} is an existing file this emulator did not write; save to a new file name`,
    );
  }
  const objects = await kindOf(`${path}.objects`);
  if (objects !== 'none' && !written.has(path)) {
    throw new InspectionError(
      `path ${shown} would write its S3 bodies into ${basename(path)}.objects, which exists and was not written by this emulator; save to a new file name`,
    );
  }
}

function json(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * Reads a control request's JSON body with the strict document reader (size, depth, repeated
 * keys: `{"launchFailures":[...],"launchFailures":[]}` must not silently drop a fault rule).
 */
function parseBody(req: EmulatorRequest, name = 'request body'): Record<string, unknown> {
  if (req.body.length === 0) return {};
  const parsed: unknown = readDocument(req.body, { name, format: 'json', kind: 'fault-plan' });
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InspectionError('request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Creates the `/_emulator/...` handler. */
export function createInspection(
  state: EmulatorState,
  views: InspectionViews = {},
  options: InspectionOptions = {},
  /** The services' own routes (`GET jobs`, `POST failback`, ...) and their fields of each account. */
  services: {
    readonly routes?: Readonly<Record<string, InspectionRoute>>;
    readonly accountFields?: (accountId: string) => Readonly<Record<string, unknown>>;
  } = {},
) {
  const saveDir = options.saveDir ?? process.cwd();
  const reserved = new Set((options.reserved ?? []).map((p) => resolve(p)));
  /** Files `state/save` wrote: the only existing files it may write again. */
  const written = new Set<string>();
  return async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const route = `${req.method} ${req.rawPath.replace(/^\/_emulator\/?/, '').replace(/\/$/, '')}`;
    const q = req.query;
    const accountId = q.get('accountId') ?? undefined;
    const host = req.headers.host ?? '';
    if (!LOOPBACK_HOST.test(host)) {
      return json(403, {
        error: 'Forbidden',
        message: `host ${JSON.stringify(host)} is not a loopback host; the inspection API answers 127.0.0.1, localhost and [::1] only`,
      });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json') {
        return json(415, {
          error: 'UnsupportedMediaType',
          message: `content-type ${JSON.stringify(req.headers['content-type'] ?? '')} is refused; ${route} needs application/json`,
        });
      }
    }
    try {
      switch (route) {
        case 'GET health':
          return json(200, { ok: true });
        case 'GET time':
          return json(200, {
            now: state.clock.now().toISOString(),
            nowMs: state.clock.nowMs(),
            timeScale: state.clock.timeScale,
          });
        case 'POST time/advance': {
          const b = parseBody(req);
          const given = ['ms', 'seconds', 'minutes', 'to'].filter((k) => b[k] !== undefined);
          if (given.length !== 1) {
            throw new InspectionError(
              `advance needs exactly one of ms, seconds, minutes (numbers) or to (ISO-8601); got ${given.length === 0 ? 'none' : given.join(', ')}`,
            );
          }
          const seconds = numberArg(b, 'seconds', MAX_ADVANCE_MS / 1000);
          const minutes = numberArg(b, 'minutes', MAX_ADVANCE_MS / 60_000);
          const ms =
            numberArg(b, 'ms', MAX_ADVANCE_MS) ??
            (seconds === undefined ? undefined : seconds * 1000) ??
            (minutes === undefined ? undefined : minutes * 60_000);
          if (ms !== undefined) state.clock.advance(ms);
          else {
            const to = Date.parse(stringArg(b, 'to'));
            const now = state.clock.nowMs();
            if (!Number.isFinite(to) || to < now || to - now > MAX_ADVANCE_MS) {
              throw new InspectionError(
                `to ${JSON.stringify(b.to)} is invalid; expected an ISO-8601 time from now (${new Date(now).toISOString()}) to ten years ahead`,
              );
            }
            state.clock.setNow(to);
          }
          state.commitControl();
          return json(200, { now: state.clock.now().toISOString() });
        }
        case 'POST time/scale': {
          const b = parseBody(req);
          const scale = numberArg(b, 'timeScale', MAX_TIME_SCALE);
          if (scale === undefined)
            throw new InspectionError(`timeScale must be a number from 0 to ${MAX_TIME_SCALE}`);
          state.clock.setTimeScale(scale);
          return json(200, { timeScale: state.clock.timeScale });
        }
        case 'GET calls':
          return json(200, {
            calls: state.calls({
              ...(q.get('service') ? { service: q.get('service') as string } : {}),
              ...(q.get('operation') ? { operation: q.get('operation') as string } : {}),
              ...(accountId ? { accountId } : {}),
            }),
          });
        case 'GET accounts':
          return json(200, {
            accounts: state.accounts().map((a) => ({
              accountId: a.accountId,
              region: a.region,
              name: a.name,
              ...services.accountFields?.(a.accountId),
              quotas: a.quotas,
              roles: a.roles.map((r) => `arn:aws:iam::${a.accountId}:role/${r.name}`),
            })),
          });
        case 'GET faults':
          return json(200, state.faults.plan);
        case 'PUT faults':
        case 'POST faults':
          state.faults.set(parseBody(req, 'fault plan') as FaultPlan);
          state.commitControl();
          return json(200, state.faults.plan);
        case 'GET state': {
          // Secret keys and session tokens only on request: a snapshot is easily pasted into a bug report.
          const include = q.get('includeCredentials');
          if (include !== null && include !== 'true' && include !== 'false')
            throw new InspectionError(
              `includeCredentials ${JSON.stringify(include)} is invalid; expected true or false`,
            );
          return json(200, include === 'true' ? state.toJSON() : withoutSecrets(state.toJSON()));
        }
        case 'POST state/save': {
          const b = parseBody(req);
          const requested = stringArg(b, 'path');
          const path = await pathInside(saveDir, requested);
          const root = await realpath(resolve(saveDir));
          const reservedReal = new Set<string>(reserved);
          for (const r of reserved) {
            // The reserved paths as the filesystem sees them (the folder may be reached by a link).
            const parent = await realpath(dirname(r)).catch(() => undefined);
            if (parent !== undefined) reservedReal.add(resolve(parent, basename(r)));
          }
          await checkSaveTarget(path, requested, root, reservedReal, written);
          written.add(path);
          await state.save(path);
          return json(200, { path });
        }
        default: {
          const own = services.routes?.[route];
          if (own) {
            const answer = own(q, () => parseBody(req));
            // A control that changed the world is journaled as a call is.
            if (req.method !== 'GET') state.commitControl();
            return json(200, answer);
          }
          const view = req.method === 'GET' ? views[route.slice(4)] : undefined;
          if (view) return json(200, view(q));
          return json(404, { error: 'NotFound', message: `no inspection route ${route}` });
        }
      }
    } catch (err) {
      if (err instanceof FaultPlanError)
        return json(400, { error: err.name, message: err.message, problems: err.problems });
      if (err instanceof DocumentRejected) {
        return json(400, { error: err.name, message: err.message, limit: err.limit, pointer: err.pointer });
      }
      if (err instanceof InspectionError || err instanceof RangeError || err instanceof SyntaxError) {
        return json(400, { error: err.name, message: err.message });
      }
      throw err;
    }
  };
}
