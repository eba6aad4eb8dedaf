/**
 * The inspection API under `/_emulator/...` (unsigned, loopback only): what tests and reports
 * read (call counts, jobs, instances, SNS messages, S3 objects, virtual time) and the controls
 * they need (advance the clock, change the fault plan, set a failback state, save state).
 */
import type { FailbackState } from './drs/records.js';
import { jobJson, recoveryInstanceJson } from './drs/serialize.js';
import { type FaultPlan, FaultPlanError } from './faults.js';
import type { EmulatorState } from './state.js';
import type { EmulatorRequest, EmulatorResponse } from './types.js';

/** Extra read-only views contributed by neighbour services (e.g. `sns/messages`). */
export type InspectionViews = Readonly<Record<string, (query: URLSearchParams) => unknown>>;

/** Failback states the control accepts. */
const FAILBACK_STATES: readonly FailbackState[] = [
  'FAILBACK_NOT_STARTED',
  'FAILBACK_IN_PROGRESS',
  'FAILBACK_READY_FOR_LAUNCH',
  'FAILBACK_COMPLETED',
  'FAILBACK_ERROR',
  'FAILBACK_NOT_READY_FOR_LAUNCH',
  'FAILBACK_LAUNCH_STATE_NOT_AVAILABLE',
];

/** Thrown for a bad control request. */
export class InspectionError extends Error {
  override readonly name = 'InspectionError';
}

/**
 * Forces the failback state of a recovery instance (until the next StartFailbackLaunch).
 * @throws InspectionError for an unknown account, instance or state
 */
export function setFailbackState(
  state: EmulatorState,
  accountId: string,
  recoveryInstanceID: string,
  failback: string,
): void {
  if (!(FAILBACK_STATES as readonly string[]).includes(failback)) {
    throw new InspectionError(
      `failback state '${failback}' is invalid; expected one of ${FAILBACK_STATES.join(', ')}`,
    );
  }
  const account = state.account(accountId);
  if (!account) throw new InspectionError(`account '${accountId}' is not in the fleet`);
  account.drs.settle(state.clock.nowMs());
  const instance = account.drs.instance(recoveryInstanceID);
  if (!instance)
    throw new InspectionError(
      `recovery instance '${recoveryInstanceID}' does not exist in account ${accountId}`,
    );
  instance.failbackOverride = failback as FailbackState;
}

function json(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function parseBody(req: EmulatorRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  const parsed: unknown = JSON.parse(req.body.toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InspectionError('request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Creates the `/_emulator/...` handler. */
export function createInspection(state: EmulatorState, views: InspectionViews = {}) {
  return async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const route = `${req.method} ${req.rawPath.replace(/^\/_emulator\/?/, '').replace(/\/$/, '')}`;
    const q = req.query;
    const accountId = q.get('accountId') ?? undefined;
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
          const ms =
            typeof b.ms === 'number'
              ? b.ms
              : typeof b.seconds === 'number'
                ? b.seconds * 1000
                : typeof b.minutes === 'number'
                  ? b.minutes * 60_000
                  : undefined;
          if (typeof b.to === 'string') state.clock.setNow(Date.parse(b.to));
          else if (ms !== undefined) state.clock.advance(ms);
          else
            throw new InspectionError('advance needs one of ms, seconds, minutes (numbers) or to (ISO-8601)');
          return json(200, { now: state.clock.now().toISOString() });
        }
        case 'POST time/scale': {
          const b = parseBody(req);
          if (typeof b.timeScale !== 'number') throw new InspectionError('timeScale must be a number >= 0');
          state.clock.setTimeScale(b.timeScale);
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
              sourceServers: a.drs.servers().length,
              quotas: a.quotas,
              roles: a.roles.map((r) => `arn:aws:iam::${a.accountId}:role/${r.name}`),
            })),
          });
        case 'GET jobs': {
          const now = state.clock.nowMs();
          return json(200, {
            jobs: state.jobs(accountId).map(({ accountId: id, job }) => {
              const account = state.account(id);
              return { accountId: id, ...(account ? jobJson(account.drs, job, now) : {}) };
            }),
          });
        }
        case 'GET instances': {
          const now = state.clock.nowMs();
          return json(200, {
            instances: state.instances(accountId).map(({ accountId: id, instance }) => {
              const account = state.account(id);
              return { accountId: id, ...(account ? recoveryInstanceJson(account.drs, instance, now) : {}) };
            }),
          });
        }
        case 'GET faults':
          return json(200, state.faults.plan);
        case 'PUT faults':
        case 'POST faults':
          state.faults.set(parseBody(req) as FaultPlan);
          return json(200, state.faults.plan);
        case 'POST failback': {
          const b = parseBody(req);
          setFailbackState(state, String(b.accountId), String(b.recoveryInstanceID), String(b.state));
          return json(200, { ok: true });
        }
        case 'GET state':
          return json(200, state.toJSON());
        case 'POST state/save': {
          const b = parseBody(req);
          if (typeof b.path !== 'string' || b.path === '')
            throw new InspectionError('path must be a file path string');
          await state.save(b.path);
          return json(200, { path: b.path });
        }
        default: {
          const view = req.method === 'GET' ? views[route.slice(4)] : undefined;
          if (view) return json(200, view(q));
          return json(404, { error: 'NotFound', message: `no inspection route ${route}` });
        }
      }
    } catch (err) {
      if (
        err instanceof InspectionError ||
        err instanceof FaultPlanError ||
        err instanceof RangeError ||
        err instanceof SyntaxError
      ) {
        return json(400, { error: err.name, message: err.message });
      }
      throw err;
    }
  };
}
