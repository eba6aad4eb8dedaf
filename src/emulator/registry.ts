/**
 * The service registry: every emulated AWS service is one {@link ServiceDescriptor} in its own
 * folder (`services/<name>/descriptor.ts`), and everything that used to keep a per-service table
 * (the server's routing, the signature check, the authorizer, the error renderer, the world's
 * saved slices, the inspection views) iterates over the descriptors instead. Adding a service is
 * adding a folder and one line to `services/index.ts`; adding an operation is adding one entry to
 * the service's operations (and, when IAM scopes it to a resource, to its authorization).
 *
 * Modelled on moto's `BaseResponse.dispatch` (the operation's name picks the method) and its
 * `@paginate` (one invalid-token error per service); EMULATOR.md says what we chose differently.
 */
import type { CredentialStore } from './auth/credentials.js';
import type { ConditionKeys } from './auth/iam-policy.js';
import type { ActionRequirements, AuthorizationResult } from './auth/required-actions.js';
import type { SigningRules } from './auth/sigv4.js';
import type { VirtualClock } from './clock.js';
import type { FaultEngine, WireFault } from './faults.js';
import type { Fleet, FleetAccount, FleetQuotas, FleetRole } from './fleet/types.js';
import { PageTokenError } from './protocols/paginator.js';
import { type ErrorFormat, ServiceError } from './protocols/service-errors.js';
import type {
  AuthorizeRequest,
  EmulatorRequest,
  InspectionViews,
  Operation,
  OperationAuthorization,
  OperationSpec,
  Operations,
  Persistent,
  Principal,
  ServiceHandler,
} from './types.js';

export type {
  AuthorizeRequest,
  ConditionKeys,
  Operation,
  OperationAuthorization,
  OperationSpec,
  Operations,
  SigningRules,
};

/** How a service's calls are authorized: per operation, and the rule for any other operation. */
export interface ServiceAuthorization {
  readonly byOperation?: Readonly<Record<string, OperationAuthorization>>;
  /** For an operation `byOperation` does not name, so a new operation is never let through unchecked. */
  readonly fallback: OperationAuthorization;
}

/** One account of the world, as the fleet gives it. */
export interface AccountWorld {
  readonly accountId: string;
  readonly region: string;
  readonly name?: string;
  /** The account's quotas, defaults filled in. */
  readonly quotas: Required<FleetQuotas>;
  readonly roles: readonly FleetRole[];
  readonly fleet: FleetAccount;
}

/** The world every service is built over: its accounts, clock, faults and credentials. */
export interface WorldState {
  readonly fleet: Fleet;
  readonly clock: VirtualClock;
  readonly faults: FaultEngine;
  readonly credentials: CredentialStore;
  readonly orchestratorAccountId: string;
  /** The file the world was loaded from, if any (what a slice refers to is beside it). */
  readonly savedFrom: string | undefined;
  /** The account, if the fleet has it. */
  account(accountId: string): AccountWorld | undefined;
  accounts(): AccountWorld[];
  /** The fleet role an IAM role ARN names, with its account. */
  role(arn: string): { readonly accountId: string; readonly role: FleetRole } | undefined;
  /** An account's place in the fleet's organization. */
  organizationPathOf(accountId: string): string | undefined;
  /** The quotas in force for an account (the defaults outside the fleet). */
  quotas(accountId: string): Required<FleetQuotas>;
}

/** What a service is handed to build itself over the world. */
export interface ServiceWorld {
  /** The world: accounts, clock, faults, credentials, fleet. */
  readonly state: WorldState;
  /** The slice this service saved with the world, when it was loaded from a snapshot. */
  readonly restored: unknown;
  /** The emulator's start options (each service reads its own: `objectsDir`, `stepFunctions`, ...). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The emulator's endpoint (known once it listens). */
  endpoint(): string;
  /** Another service's running instance (created before this one: see `services/index.ts`). */
  service(name: string): ServiceInstance | undefined;
}

/** A service built over the world. */
export interface ServiceInstance {
  readonly operations: Operations;
  /** Its slice of the world, saved and journaled with it. */
  readonly state?: Persistent;
  /** Read-only views of the inspection API, served as `/_emulator/<service>/<view>`. */
  readonly views?: InspectionViews;
  /**
   * Routes of the inspection API the service answers at their own paths (`GET jobs`, `POST
   * failback`: paths clients already use). A control that changes the slice notes it (its
   * `takeChanges`), and the inspection API journals it like a call.
   */
  readonly routes?: Readonly<Record<string, InspectionRoute>>;
  /** Fields the service adds to each account of `GET /_emulator/accounts`. */
  accountFields?(accountId: string): Readonly<Record<string, unknown>>;
  /**
   * Authorization that needs the running service (Step Functions' task tokens name the state
   * machine only its backend knows); it takes precedence over the descriptor's.
   */
  readonly authorization?: Readonly<Record<string, OperationAuthorization>>;
  /**
   * The service's resource-based policies (S3's bucket policies, the KMS key policies behind
   * them), combined with the caller's identity decision: what it returns replaces that decision
   * (undefined: the identity decision stands). `identityOf` evaluates the caller's identity
   * policies for another action (a KMS one).
   */
  readonly resourcePolicy?: (
    principal: Principal,
    request: AuthorizeRequest,
    identity: AuthorizationResult,
    identityOf: (request: AuthorizeRequest) => AuthorizationResult,
  ) => AuthorizationResult | undefined;
  /** Called when the emulator stops. */
  stop?(): void;
}

/** One inspection route of a service: its answer (JSON) to the query and the parsed JSON body. */
export type InspectionRoute = (query: URLSearchParams, body: () => Record<string, unknown>) => unknown;

/** Thrown for a bad inspection request (answered 400 with its message). */
export class InspectionError extends Error {
  override readonly name = 'InspectionError';
}

/** A non-empty string member of an inspection request's body. @throws InspectionError */
export function stringArg(b: Record<string, unknown>, field: string): string {
  const v = b[field];
  if (typeof v !== 'string' || v === '') throw new InspectionError(`${field} must be a non-empty string`);
  return v;
}

/** What the pipeline needs from an unsigned request to guess its service. */
export interface ServiceHint {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Buffer;
}

/** One emulated AWS service. */
export interface ServiceDescriptor extends ErrorFormat {
  /** The SigV4 signing name (`drs`, `s3`, `states`, ...): the credential scope routes by it. */
  readonly name: string;
  /**
   * The operation a request calls, or undefined when it names none. JSON services: the
   * `X-Amz-Target` suffix; query services: `Action`; rest services: their HTTP routes.
   */
  operationOf(
    req: Pick<EmulatorRequest, 'method' | 'rawPath' | 'query' | 'headers' | 'body'>,
  ): string | undefined;
  /** Whether an unsigned request (no credential scope) looks addressed to this service. */
  recognizes(hint: ServiceHint): boolean;
  /** The error for a request naming no operation this service serves. */
  unknownOperation(operation: string | undefined, req: EmulatorRequest): ServiceError;
  /** The service's error for a page token its paginator did not issue (mapped here once). */
  invalidPageToken(token: string): ServiceError;
  readonly authorization: ServiceAuthorization;
  readonly signing?: SigningRules;
  /** The service takes object bodies (the large body cap applies to it). @default false */
  readonly objectBodies?: boolean;
  /** The error for a body over its cap. @default the protocol's RequestEntityTooLarge */
  bodyTooLarge?(size: number, limit: number): ServiceError;
  /** The error for a JSON body nested too deep. @default the protocol's (SerializationException for JSON) */
  tooDeep?(message: string): ServiceError | undefined;
  /** The service's own error for an injected fault. @default the protocol's throttling / internal error */
  faultError?(fault: WireFault): ServiceError;
  /** The message of an access denial. @default AWS's `User: ... is not authorized to perform: ...` */
  accessDeniedMessage?(standard: string): string;
  /** What IAM checks besides the service's actions (dependent actions, tagging at creation, PassRole). */
  readonly iam?: ActionRequirements;
  /** Folds a journal record's changes of this service into its saved slice (pure). */
  applyChanges?(slice: unknown, changes: unknown): unknown;
  /** Drops old history from its saved slice (pure). */
  prune?(slice: unknown, limits: PruneLimits): unknown;
  /**
   * Checks its saved slice against the fleet before the world is loaded.
   * @throws Error naming the first problem (the file is refused with it)
   */
  checkSaved?(slice: unknown, fleet: Fleet): void;
  /** Builds the service over the world. */
  create(world: ServiceWorld): ServiceInstance;
}

/** How much history a compacted world keeps (the file stays bounded however many runs). */
export interface PruneLimits {
  /**
   * Newest objects kept per bucket (a stand-in for the results bucket's lifecycle rule). The
   * snapshot holds an object's metadata only (its body is a file beside it), so this bounds the
   * snapshot at a few MB per bucket.
   */
  readonly objectsPerBucket: number;
  /** Newest finished jobs kept per account beyond those a server or instance still points to. */
  readonly finishedJobsPerAccount: number;
}

/** The operation named by a JSON-protocol request's `X-Amz-Target` (`<prefix>.<Operation>`). */
export function targetOperation(req: Pick<EmulatorRequest, 'headers'>, prefix: string): string | undefined {
  const target = req.headers['x-amz-target'] ?? '';
  const dot = target.lastIndexOf('.');
  return dot > 0 && target.slice(0, dot) === prefix && dot < target.length - 1
    ? target.slice(dot + 1)
    : undefined;
}

/** The `Action` of a query-protocol request (query string, else the form body). */
export function queryAction(req: Pick<EmulatorRequest, 'query' | 'body'>): string | undefined {
  const inQuery = req.query.get('Action');
  if (inQuery !== null) return inQuery;
  if (req.body.length === 0 || req.body.length >= 1_000_000) return undefined;
  return new URLSearchParams(req.body.toString('utf8')).get('Action') ?? undefined;
}

/** The query `Version` of an unsigned request (query string, else a form body). */
export function queryVersion(hint: ServiceHint): string | undefined {
  const version = hint.query.get('Version');
  if (version !== null) return version;
  const contentType = hint.headers['content-type'] ?? '';
  if (!contentType.startsWith('application/x-www-form-urlencoded') || hint.body.length >= 1_000_000)
    return undefined;
  return new URLSearchParams(hint.body.toString('utf8')).get('Version') ?? undefined;
}

/**
 * The handler of a service: routes a request to the operation its descriptor names, and answers
 * the page-token error of the service for a token its paginator refused (so no operation maps it).
 */
export function serviceHandler(descriptor: ServiceDescriptor, operations: Operations): ServiceHandler {
  return async (req, ctx) => {
    const name = descriptor.operationOf(req);
    const entry = name === undefined || !Object.hasOwn(operations, name) ? undefined : operations[name];
    if (entry === undefined) throw descriptor.unknownOperation(name, req);
    try {
      return await (typeof entry === 'function' ? entry(req, ctx) : entry.run(req, ctx));
    } catch (err) {
      if (err instanceof PageTokenError) throw descriptor.invalidPageToken(err.token);
      throw err;
    }
  };
}

/** The services the emulator knows, looked up by signing name. */
export class ServiceRegistry {
  readonly #byName: ReadonlyMap<string, ServiceDescriptor>;
  readonly #unsignedDefault: ServiceDescriptor;

  /**
   * @param descriptors - every service; an unsigned request none recognizes is answered in the
   *   format of `unsignedDefault` (the one whose requests carry no other mark: S3).
   */
  constructor(
    readonly descriptors: readonly ServiceDescriptor[],
    unsignedDefault: string,
  ) {
    this.#byName = new Map(descriptors.map((d) => [d.name, d]));
    const fallback = this.#byName.get(unsignedDefault);
    if (fallback === undefined) throw new Error(`unknown default service ${unsignedDefault}`);
    this.#unsignedDefault = fallback;
  }

  /** The descriptor of a signing name, if the emulator serves it. */
  get(name: string): ServiceDescriptor | undefined {
    return this.#byName.get(name);
  }

  /**
   * The descriptor to answer a request to `name` with: the service, or for a name the emulator
   * does not serve, a stand-in in the most common modern protocol (rest-json) so its error is
   * still well formed.
   */
  formatOf(name: string): ErrorFormat & Partial<ServiceDescriptor> {
    return this.#byName.get(name) ?? { name, protocol: 'rest-json' };
  }

  /**
   * Guesses the service of a request that carries no credential scope (unsigned requests still
   * deserve the right service's error format).
   */
  infer(hint: ServiceHint): ServiceDescriptor {
    return (
      this.descriptors.find((d) => d !== this.#unsignedDefault && d.recognizes(hint)) ?? this.#unsignedDefault
    );
  }

  /** What IAM checks besides each action, over every service. */
  requirements(): ActionRequirements {
    return Object.assign({}, ...this.descriptors.map((d) => d.iam ?? {}));
  }

  /** The operation name of a request, for counting and fault matching (`Unknown` when it names none). */
  operationOf(req: EmulatorRequest): string {
    return this.#byName.get(req.service)?.operationOf(req) ?? 'Unknown';
  }
}

/** A service error for an operation a service does not serve. */
export function unknownOperationError(code: string, message?: string, status = 400): ServiceError {
  return new ServiceError(code, message, { status });
}

/** The JSON object of a request body, or undefined (the service itself answers a malformed one). */
export function jsonBodyOf(req: Pick<EmulatorRequest, 'body'>): Record<string, unknown> | undefined {
  if (req.body.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(req.body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The parameters of a query-protocol call (query string and form body together). */
export function queryParamsOf(req: Pick<EmulatorRequest, 'query' | 'body'>): URLSearchParams {
  const params = new URLSearchParams(req.query);
  if (req.body.length > 0 && req.body.length < 1_000_000) {
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params.set(k, v);
  }
  return params;
}

/** A string that is not empty, else undefined. */
export function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `<service>:<Operation>` on `*`: actions without resource-level permissions. */
export function anyResource(service: string): OperationAuthorization {
  return (req, _principal, operation) => ({
    action: `${service}:${operation}`,
    resources: '*',
    region: req.region,
  });
}

/** The routing half of a JSON-protocol service (`POST /` with `X-Amz-Target: <prefix>.<Operation>`). */
export function jsonProtocol(
  targetPrefix: string,
  jsonVersion: '1.0' | '1.1' = '1.1',
): Pick<ServiceDescriptor, 'protocol' | 'jsonVersion' | 'operationOf' | 'recognizes' | 'unknownOperation'> {
  return {
    protocol: 'json',
    jsonVersion,
    operationOf: (req) => (req.method === 'POST' ? targetOperation(req, targetPrefix) : undefined),
    recognizes: (hint) => (hint.headers['x-amz-target'] ?? '').startsWith(`${targetPrefix}.`),
    unknownOperation: () => new ServiceError('UnknownOperationException', undefined, { status: 400 }),
  };
}

/** The routing half of a query-protocol service (`Action=...&Version=<apiVersion>`). */
export function queryProtocol(
  apiVersion: string,
  protocol: 'query' | 'ec2' = 'query',
): Pick<ServiceDescriptor, 'protocol' | 'operationOf' | 'recognizes'> {
  return {
    protocol,
    operationOf: queryAction,
    recognizes: (hint) => queryVersion(hint) === apiVersion,
  };
}
