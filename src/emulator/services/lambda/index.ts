/**
 * Lambda Invoke (rest-json, signing name `lambda`) for the functions a fleet declares, for
 * runbook lambda steps: a canned answer, an error (`X-Amz-Function-Error: Unhandled` with
 * `{ errorType, errorMessage }`, as Lambda reports an uncaught exception), or a small Node module
 * the fleet names (`handler(event)`, its throw reported the same way). The fault plan's
 * `stepFailures` target `lambda` turns a function's answer into an error.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FleetLambdaFunction } from '../../fleet/types.js';
import { ServiceError } from '../../protocols/service-errors.js';
import type {
  EmulatorRequest,
  EmulatorResponse,
  Operation,
  OperationAuthorization,
  Operations,
} from '../../types.js';

/** What the Lambda handler needs from the world. */
export interface LambdaPorts {
  /** The fleet's function of an account and Region. */
  find(accountId: string, region: string, name: string): FleetLambdaFunction | undefined;
  /** Why the function fails under the fault plan, or undefined. */
  failure(name: string): string | undefined;
  /** Where a function's `module` is resolved. @default process.cwd() */
  readonly baseDir?: string;
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** The operation of a Lambda request (for fault matching and call counts). */
export function lambdaOperationOf(req: Pick<EmulatorRequest, 'method' | 'rawPath'>): string | undefined {
  return INVOKE.test(decodeURIComponent(req.rawPath.split('?')[0] ?? '')) && req.method === 'POST'
    ? 'Invoke'
    : undefined;
}

/** `name`, `name:alias`, a function ARN, a partial ARN -> the name. */
function functionNameOf(raw: string): string {
  const parts = decodeURIComponent(raw).split(':');
  const at = parts.indexOf('function');
  return at >= 0 ? (parts[at + 1] ?? '') : (parts[0] ?? '');
}

function answer(payload: unknown, requestId: string, functionError?: string): EmulatorResponse {
  return {
    status: 200,
    headers: {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amz-executed-version': '$LATEST',
      ...(functionError !== undefined && { 'x-amz-function-error': functionError }),
    },
    body: JSON.stringify(payload ?? null),
  };
}

function errorPayload(type: string, message: string): { errorType: string; errorMessage: string } {
  return { errorType: type, errorMessage: message };
}

/**
 * Invoke is `lambda:InvokeFunction` on the function (its account: the ARN's, else the caller's;
 * a qualifier is authorized on the function itself).
 */
const onFunction: OperationAuthorization = (req, principal) => {
  const raw = decodeURIComponent(INVOKE.exec(req.rawPath.split('?')[0] ?? '')?.[1] ?? '');
  const parts = raw.split(':');
  const at = parts.indexOf('function');
  const account =
    at >= 1 && /^\d{12}$/.test(parts[at - 1] ?? '') ? (parts[at - 1] as string) : principal.accountId;
  return {
    action: 'lambda:InvokeFunction',
    resources: `arn:aws:lambda:${req.region}:${account}:function:${functionNameOf(raw)}`,
    region: req.region,
  };
};

/** The Lambda operations. */
export function createLambdaOperations(ports: LambdaPorts): Operations {
  const modules = new Map<string, Promise<{ handler?: (event: unknown) => unknown }>>();
  const invoke: Operation = async (req, ctx) => {
    const m = INVOKE.exec(req.path);
    if (!m || req.method !== 'POST') {
      throw new ServiceError(
        'UnknownOperationException',
        `${req.method} ${req.path} is not an operation the emulator's Lambda knows`,
        { status: 404 },
      );
    }
    const name = functionNameOf(m[1] ?? '');
    const fn = ports.find(ctx.principal.accountId, req.region, name);
    if (!fn) {
      throw new ServiceError(
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:${req.region}:${ctx.principal.accountId}:function:${name}`,
        { status: 404, fields: { Type: 'User' } },
      );
    }
    let event: unknown = null;
    const text = req.body.toString('utf8');
    if (text !== '') {
      try {
        event = JSON.parse(text);
      } catch {
        throw new ServiceError('InvalidRequestContentException', 'Could not parse request body into json', {
          status: 400,
        });
      }
    }
    const fault = ports.failure(name);
    if (fault !== undefined) return answer(errorPayload('EmulatedFault', fault), ctx.requestId, 'Unhandled');
    if (fn.error !== undefined) {
      return answer(
        errorPayload(fn.error.type, fn.error.message ?? fn.error.type),
        ctx.requestId,
        'Unhandled',
      );
    }
    if (fn.module !== undefined) {
      const file = resolve(ports.baseDir ?? process.cwd(), fn.module);
      let loaded = modules.get(file);
      if (!loaded) {
        loaded = import(pathToFileURL(file).href) as Promise<{ handler?: (event: unknown) => unknown }>;
        modules.set(file, loaded);
      }
      try {
        const mod = await loaded;
        if (typeof mod.handler !== 'function') {
          return answer(
            errorPayload('Runtime.HandlerNotFound', `${fn.module}.handler is undefined or not exported`),
            ctx.requestId,
            'Unhandled',
          );
        }
        return answer(await mod.handler(event), ctx.requestId);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        return answer(errorPayload(e.name, e.message), ctx.requestId, 'Unhandled');
      }
    }
    return answer(fn.answer === undefined ? { ok: true } : fn.answer, ctx.requestId);
  };
  return { Invoke: { run: invoke, iam: onFunction } };
}
