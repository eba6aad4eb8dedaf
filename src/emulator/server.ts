/**
 * The emulator's HTTP front: node:http on 127.0.0.1. Each request is routed by the service of its
 * SigV4 credential scope, authenticated (the access key decides the calling account), counted,
 * put through the fault plan and handed to that service's handler. `/_emulator/...` paths are the
 * unsigned inspection API. The pipeline is the same for every service: body cap, authentication,
 * counting, faults, malformed-body guard, authorization, handler; a handler's {@link ServiceError}
 * is rendered in the service's protocol here, and anything else it throws answers the service's
 * internal error, so bad input can never take the emulator down.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAuthorization } from './auth/sigv4.js';
import type { WireFault } from './faults.js';
import {
  commonError,
  commonServiceError,
  type ErrorFormat,
  renderServiceError,
  ServiceError,
} from './protocols/service-errors.js';
import type { ServiceDescriptor, ServiceRegistry } from './registry.js';
import type { EmulatorState } from './state.js';
import type {
  EmulatorRequest,
  EmulatorResponse,
  Principal,
  ServiceContext,
  ServiceHandler,
} from './types.js';

/** Resolves the caller of a request, or the error to answer. */
export type Authenticator = (
  req: EmulatorRequest,
  requestId: string,
) =>
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly response: EmulatorResponse };

/** Decides whether the caller may run the operation; answers the denial or undefined. */
export type Authorizer = (
  req: EmulatorRequest,
  principal: Principal,
  operation: string,
  requestId: string,
) => EmulatorResponse | undefined;

/** What the server needs. */
export interface ServerOptions {
  readonly state: EmulatorState;
  /** The services: routing, operation names and error formats come from their descriptors. */
  readonly services: ServiceRegistry;
  /** Handlers by SigV4 service name. */
  readonly handlers: Readonly<Record<string, ServiceHandler>>;
  readonly authenticate: Authenticator;
  readonly authorize?: Authorizer;
  /** Handles `/_emulator/...`. */
  readonly inspect: (req: EmulatorRequest) => Promise<EmulatorResponse>;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Request body caps in bytes. @default {@link DEFAULT_BODY_LIMITS} */
  readonly bodyLimits?: BodyLimits;
  /**
   * Judges a request by its headers alone (its body empty), before any of the body is read:
   * `verified` (the signature held: S3 signs a declared payload hash), `refused` (it fails
   * authentication whatever its body: unsigned, unknown key, forged S3 signature) or `needs-body`
   * (the signature covers the body). Only a verified S3 request gets the S3 cap; a refused one
   * is read no further than {@link REFUSED_BODY_BYTES}. @default every request needs its body
   */
  readonly precheck?: (req: EmulatorRequest) => 'verified' | 'refused' | 'needs-body';
}

/**
 * How much of a body is kept from a request that fails authentication whatever its body (enough
 * to tell the service its error is formatted for); the rest is drained, never buffered.
 */
export const REFUSED_BODY_BYTES = 64 * 1024;

/** Largest request bodies the emulator reads; a larger body is answered without being buffered. */
export interface BodyLimits {
  /** Object uploads (services whose descriptor says `objectBodies`). */
  readonly objects: number;
  /** Every other service's API request. */
  readonly api: number;
}

/**
 * 10 MiB for API requests (the request size AWS's API front ends accept) and 64 MiB for object
 * uploads (an emulator limit: AWS accepts 5 GiB in one PUT, far beyond what the orchestrator writes).
 */
export const DEFAULT_BODY_LIMITS: BodyLimits = { objects: 64 * 1024 * 1024, api: 10 * 1024 * 1024 };

/** Deepest JSON nesting a request body may have; real DRS / JSON inputs nest a few levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep a JSON text nests (brackets outside strings), stopping early past `limit`. A linear
 * scan, so a hostile body cannot overflow the stack before it is refused.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** The error a service answers for a body over its cap, in AWS's terms. */
function bodyTooLarge(
  service: ErrorFormat & Partial<ServiceDescriptor>,
  size: number,
  limit: number,
): ServiceError {
  if (service.bodyTooLarge) return service.bodyTooLarge(size, limit);
  const code =
    service.protocol === 'query' || service.protocol === 'ec2'
      ? 'RequestEntityTooLarge'
      : 'RequestEntityTooLargeException';
  return new ServiceError(code, `Request must be smaller than ${limit} bytes`, { status: 413 });
}

/** The error a JSON service answers for a body nested deeper than {@link MAX_JSON_DEPTH}. */
function tooDeep(service: ServiceDescriptor): ServiceError | undefined {
  const message = `request body nests deeper than ${MAX_JSON_DEPTH} levels`;
  if (service.tooDeep) return service.tooDeep(message);
  return service.protocol === 'json'
    ? new ServiceError('SerializationException', message, { status: 400 })
    : undefined;
}

/** A service's error for an injected fault: its own, else its protocol's throttling / internal error. */
function faultError(service: ErrorFormat & Partial<ServiceDescriptor>, fault: WireFault): ServiceError {
  if (service.faultError) return service.faultError(fault);
  return fault.kind === 'throttle'
    ? commonServiceError(service, 'throttling', { retryAfterSeconds: fault.retryAfterSeconds })
    : commonServiceError(service, fault.status === 500 ? 'internal' : 'unavailable', {
        status: fault.status,
      });
}

/** A running server. */
export interface RunningServer {
  readonly server: Server;
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A read body, or how large it was when it broke the cap (the rest is drained, not kept). */
type ReadBody = { readonly body: Buffer; readonly tooLarge?: undefined } | { readonly tooLarge: number };

/**
 * Reads a body up to `limit` bytes. Past it, the rest is drained without being kept: the answer
 * is `tooLarge`, or with `truncate` the first `limit` bytes (for a request refused anyway).
 */
function readBody(req: IncomingMessage, limit: number, truncate = false): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let kept = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (truncate) {
        if (kept < limit) {
          const part = c.subarray(0, limit - kept);
          chunks.push(part);
          kept += part.length;
        }
      } else if (size <= limit) chunks.push(c);
      else chunks.length = 0;
    });
    req.on('end', () =>
      resolve(
        size > limit && !truncate
          ? { tooLarge: size }
          : { body: chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks) },
      ),
    );
    req.on('error', reject);
  });
}

/** How a request's body is read: its cap, and whether a larger one is cut (refused anyway) or answered 413. */
interface BodyPlan {
  readonly service: ErrorFormat;
  readonly limit: number;
  readonly truncate: boolean;
}

/**
 * The cap for a request, decided from its headers before its body is read: the S3 cap only for
 * an S3 request whose signature held ({@link ServerOptions.precheck}), the small
 * {@link REFUSED_BODY_BYTES} for one refused whatever its body, the API cap otherwise (and for
 * the inspection API).
 */
function bodyPlanOf(msg: IncomingMessage, opts: ServerOptions, limits: BodyLimits): BodyPlan {
  const head = toRequest(msg, Buffer.alloc(0), opts.services);
  const service = opts.services.formatOf(head.service);
  if (head.rawPath.startsWith('/_emulator/') || head.rawPath === '/_emulator') {
    return { service, limit: limits.api, truncate: false };
  }
  switch (opts.precheck?.(head) ?? 'needs-body') {
    case 'verified': {
      const objects = opts.services.get(head.service)?.objectBodies === true;
      return { service, limit: objects ? limits.objects : limits.api, truncate: false };
    }
    case 'refused':
      return { service, limit: Math.min(REFUSED_BODY_BYTES, limits.api), truncate: true };
    default:
      return { service, limit: limits.api, truncate: false };
  }
}

function toRequest(msg: IncomingMessage, body: Buffer, services: ServiceRegistry): EmulatorRequest {
  const url = msg.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(msg.headers)) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  }
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // A path that is not valid percent-encoding stays raw; the service rejects it.
  }
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const parsed = parseAuthorization(headers, query);
  const scope =
    parsed.kind === 'signed' ? parsed.auth.scope : parsed.kind === 'incomplete' ? parsed.scope : undefined;
  const service =
    scope?.service ??
    services.infer({ method: msg.method ?? 'GET', path: rawPath, headers, query, body }).name;
  return {
    method: (msg.method ?? 'GET').toUpperCase(),
    path,
    rawPath,
    query,
    headers,
    body,
    service,
    region: scope?.region ?? 'us-east-1',
  };
}

function send(res: ServerResponse, r: EmulatorResponse, method = 'GET'): void {
  const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
  // A HEAD answer has no body but reports the size of the GET's (S3 HeadObject's ContentLength).
  const headLength = method === 'HEAD' ? r.headers['content-length'] : undefined;
  res.writeHead(r.status, { ...r.headers, 'content-length': headLength ?? String(body.length) });
  res.end(method === 'HEAD' ? undefined : body);
}

/** Handles one request end to end (exported for in-process use and tests). */
export async function handle(opts: ServerOptions, req: EmulatorRequest): Promise<EmulatorResponse> {
  if (req.rawPath.startsWith('/_emulator/') || req.rawPath === '/_emulator') return opts.inspect(req);
  const requestId = randomUUID();
  const auth = opts.authenticate(req, requestId);
  if (!auth.ok) return auth.response;
  const principal = auth.principal;
  const operation = opts.services.operationOf(req);
  const { state } = opts;
  state.countCall(req.service, operation, principal.accountId);
  const latency = state.faults.latencyMs(req.service, operation, principal.accountId);
  if (latency > 0) await new Promise((r) => setTimeout(r, latency));
  const service = opts.services.get(req.service);
  const fault = state.faults.decide(req.service, operation, principal.accountId);
  if (fault)
    return renderServiceError(
      opts.services.formatOf(req.service),
      faultError(opts.services.formatOf(req.service), fault),
      requestId,
    );
  const handler = opts.handlers[req.service];
  if (!handler || !service) {
    return commonError(opts.services.formatOf(req.service), 'internal', {
      requestId,
      status: 400,
      message: `the emulator does not implement service '${req.service}' (UnknownOperationException)`,
    });
  }
  if (
    (service.protocol === 'json' || service.protocol === 'rest-json') &&
    req.body.length > 2 * MAX_JSON_DEPTH &&
    jsonDepthExceeds(req.body.toString('utf8'), MAX_JSON_DEPTH)
  ) {
    const deep = tooDeep(service);
    if (deep) return renderServiceError(service, deep, requestId);
  }
  const denied = opts.authorize?.(req, principal, operation, requestId);
  if (denied) return denied;
  const response = await runHandler(
    service,
    handler,
    req,
    { principal, now: () => state.clock.now(), requestId },
    operation,
  );
  // A change is made durable (journal) before its answer leaves: a kill after it cannot lose it.
  if (response.status < 300) state.commit(req.service, operation, principal.accountId);
  return response;
}

/**
 * Runs a service handler: a {@link ServiceError} it throws is rendered in the service's protocol;
 * anything else is a defect in the model and answers the service's internal error (logged), so it
 * never takes the server down.
 */
export async function runHandler(
  service: ServiceDescriptor,
  handler: ServiceHandler,
  req: EmulatorRequest,
  ctx: ServiceContext,
  operation = service.operationOf(req) ?? 'Unknown',
): Promise<EmulatorResponse> {
  const { requestId } = ctx;
  try {
    return await handler(req, ctx);
  } catch (err) {
    if (err instanceof ServiceError)
      return renderServiceError(service, err, requestId, req.method === 'HEAD');
    // A crash in a model must never take the server down; answer the service's 500.
    process.emitWarning(
      `emulator: ${req.service} ${operation} failed: ${(err as Error).stack ?? String(err)}`,
    );
    return renderServiceError(service, faultError(service, { kind: 'error', status: 500 }), requestId);
  }
}

/** Starts listening on 127.0.0.1. */
export async function listen(opts: ServerOptions): Promise<RunningServer> {
  const limits = opts.bodyLimits ?? DEFAULT_BODY_LIMITS;
  const server = createServer((msg, res) => {
    const { service, limit, truncate } = bodyPlanOf(msg, opts, limits);
    readBody(msg, limit, truncate)
      .then((read) =>
        read.tooLarge === undefined
          ? handle(opts, toRequest(msg, read.body, opts.services))
          : renderServiceError(service, bodyTooLarge(service, read.tooLarge, limit), randomUUID()),
      )
      .then((r) => send(res, r, msg.method))
      .catch((err: unknown) => {
        process.emitWarning(`emulator: request failed: ${String(err)}`);
        if (!res.headersSent)
          send(res, { status: 500, headers: { 'content-type': 'text/plain' }, body: 'internal error' });
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
