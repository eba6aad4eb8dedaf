/**
 * The embedded AWS emulator: DRS plus its neighbours (STS, SSM, SNS, S3, Service Quotas, EC2)
 * over HTTP on loopback, with a fleet model, a virtual clock, seeded faults and an inspection API.
 * Behaviour spec: EMULATOR.md next to this file.
 *
 * @example
 * const emu = await startEmulator({ fleet: 'demo', timeScale: 0 });
 * const drs = new DrsClient({ endpoint: emu.endpoint, region: 'us-east-2', credentials: emu.credentials });
 * emu.clock.advance(3_600_000);
 * await emu.stop();
 */
import { dirname, resolve } from 'node:path';
import {
  authenticate as authenticateRequest,
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_SECRET_ACCESS_KEY,
} from './auth/credentials.js';
import type { VirtualClock } from './clock.js';
import type { FaultEngine, FaultPlan } from './faults.js';
import { resolveFleet } from './fleet/load.js';
import type { Fleet } from './fleet/types.js';
import { createInspection } from './inspection.js';
import { type BodyLimits, listen } from './server.js';
import type { DrsInstance } from './services/drs/descriptor.js';
import type { DrsWorld } from './services/drs/world.js';
import { SERVICES } from './services/index.js';
import type { StepFunctionsBackendFactory, StepFunctionsInstance } from './services/states/descriptor.js';
import type { SfnStateMachine } from './services/states/stepfunctions.js';
import { createServices } from './services.js';
import { EmulatorState, type StateSnapshot } from './state.js';

export { VirtualClock } from './clock.js';
export type { FaultPlan, SiteOutage } from './faults.js';
export { demoFleet } from './fleet/demo.js';
export { generateFleet } from './fleet/generate.js';
export { checkFleet, FleetError, resolveFleet } from './fleet/load.js';
export type { DataReplicationState, Fleet } from './fleet/types.js';
export type { StepFunctionsBackendFactory, StepFunctionsHost } from './services/states/descriptor.js';
export type {
  SfnReportedEvent,
  SfnStartRequest,
  SfnStateMachine,
  SfnTaskAnswer,
  StepFunctionsBackend,
} from './services/states/stepfunctions.js';
export { EmulatorState } from './state.js';

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions {
  /** A fleet object, a fleet file path, or `'demo'`. @default 'demo' */
  readonly fleet?: Fleet | string;
  /** Virtual seconds per wall second; 0 freezes time (advance by hand). @default 1 */
  readonly timeScale?: number;
  /** Initial fault plan. @default no faults */
  readonly faults?: FaultPlan;
  /** TCP port on 127.0.0.1. @default 0 (a free port) */
  readonly port?: number;
  /** Overrides the fleet's seed. */
  readonly seed?: number;
  /** Virtual start time (ISO-8601). @default the fleet's startTime, else the wall clock */
  readonly startTime?: string;
  /** Resume from saved state (a file path or a snapshot); `fleet`, `seed`, `startTime` are then ignored. */
  readonly state?: string | StateSnapshot;
  /** Request body caps in bytes. @default 10 MiB for API calls, 64 MiB for S3 objects */
  readonly bodyLimits?: BodyLimits;
  /**
   * Runs the executions of the Step Functions API. @default none: the API hosts no state machine
   * (`drs-orch serve` plugs in the local runtime with the workflows of `statemachines/`)
   */
  readonly stepFunctions?: StepFunctionsBackendFactory;
  /**
   * The only folder `POST /_emulator/state/save` may write to.
   * @default the folder of `state` when it is a path, else the working directory
   */
  readonly saveDir?: string;
  /**
   * Keep S3 object bodies as files in this folder (content-addressed, each written atomically
   * before its PutObject answers) instead of memory; the snapshot then holds only their metadata.
   * `drs-orch serve --state-file F` uses `F.objects/`. @default in memory
   */
  readonly objectsDir?: string;
  /**
   * Paths `POST /_emulator/state/save` never writes, even when they do not exist yet (a state
   * file's own snapshot, journal, lock and objects folder).
   */
  readonly reservedPaths?: readonly string[];
}

/** Credentials of the orchestrator account (123456789012). */
export interface EmulatorCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:<port>`: give it to SDK clients as `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  readonly clock: VirtualClock;
  readonly faults: FaultEngine;
  /** The in-process world (accounts, jobs, instances, call counters, save). */
  readonly state: EmulatorState;
  /** `test`/`test`: the orchestrator account's root keys. */
  readonly credentials: EmulatorCredentials;
  /** Every account's DRS (source servers, jobs, recovery instances), for tests and reports. */
  readonly drs: DrsWorld;
  /** The Step Functions state machines hosted for an account (none without a backend). */
  stateMachines(accountId: string): readonly SfnStateMachine[];
  /** Stops listening and closes connections. */
  stop(): Promise<void>;
}

/**
 * Starts the emulator on 127.0.0.1.
 * @throws FleetError for an invalid fleet, StateFileError for an unusable state file
 */
export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<Emulator> {
  let state: EmulatorState;
  if (opts.state !== undefined) {
    state =
      typeof opts.state === 'string'
        ? await EmulatorState.load(
            opts.state,
            opts.timeScale === undefined ? {} : { timeScale: opts.timeScale },
          )
        : EmulatorState.fromSnapshot(
            opts.state,
            opts.timeScale === undefined ? {} : { timeScale: opts.timeScale },
          );
    if (opts.faults) state.faults.set(opts.faults);
  } else {
    const base = await resolveFleet(opts.fleet);
    const fleet: Fleet = {
      ...base,
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      ...(opts.startTime === undefined ? {} : { startTime: opts.startTime }),
    };
    state = EmulatorState.create(fleet, {
      ...(opts.timeScale === undefined ? {} : { timeScale: opts.timeScale }),
      ...(opts.faults === undefined ? {} : { faults: opts.faults }),
    });
  }
  const credentials = { accessKeyId: DEFAULT_ACCESS_KEY_ID, secretAccessKey: DEFAULT_SECRET_ACCESS_KEY };
  let endpoint = '';
  const services = createServices(state, SERVICES, { ...opts }, () => endpoint);
  const formatOf = (name: string) => SERVICES.formatOf(name);
  const running = await listen({
    state,
    services: SERVICES,
    handlers: services.handlers,
    authenticate: (req, requestId) =>
      authenticateRequest(req, state.credentials, { service: formatOf(req.service), requestId }),
    precheck: (req) => {
      // Called with the headers only (empty body), before any of the body is read.
      const service = formatOf(req.service);
      const r = authenticateRequest(req, state.credentials, { service });
      if (r.ok) return 'verified';
      switch (r.reason) {
        case 'payload-hash':
          // A service signing the declared payload hash: the signature itself held.
          return 'verified';
        case 'signature':
          // Only a service signing the declared hash signs without the body; anything else needs the body.
          return service.signing?.declaredPayloadHash === true &&
            req.headers['x-amz-content-sha256'] !== undefined
            ? 'refused'
            : 'needs-body';
        default:
          // Unsigned, incomplete, unknown key, wrong session token: refused whatever the body.
          return 'refused';
      }
    },
    authorize: services.authorize,
    inspect: createInspection(
      state,
      services.views,
      {
        saveDir:
          opts.saveDir ?? (typeof opts.state === 'string' ? dirname(resolve(opts.state)) : process.cwd()),
        reserved: [
          ...(opts.reservedPaths ?? []),
          ...(typeof opts.state === 'string' ? [resolve(opts.state), `${resolve(opts.state)}.objects`] : []),
          ...(opts.objectsDir === undefined ? [] : [resolve(opts.objectsDir)]),
        ],
      },
      { routes: services.routes, accountFields: (accountId) => services.accountFields(accountId) },
    ),
    ...(opts.port === undefined ? {} : { port: opts.port }),
    ...(opts.bodyLimits === undefined ? {} : { bodyLimits: opts.bodyLimits }),
  });
  endpoint = running.endpoint;
  return {
    endpoint: running.endpoint,
    port: running.port,
    clock: state.clock,
    faults: state.faults,
    state,
    credentials,
    drs: (services.instances.get('drs') as DrsInstance).drs,
    stateMachines: (accountId) =>
      (services.instances.get('states') as StepFunctionsInstance | undefined)?.stateMachines(accountId) ?? [],
    stop: async () => {
      services.stop();
      await running.close();
    },
  };
}
