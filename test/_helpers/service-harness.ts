/**
 * A tiny node:http front for E2's service handlers (STS, SSM, SNS, S3, Service Quotas, EC2) with
 * the real SigV4 authentication and the pipeline's authorization step, so their tests drive them with the real SDK
 * clients without the full emulator. Listens on 127.0.0.1:0.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthorizer } from '../../src/emulator/auth/authorizer.js';
import { authenticate, CredentialStore } from '../../src/emulator/auth/credentials.js';
import type { PolicyDocument } from '../../src/emulator/auth/iam-policy.js';
import { createPipelineAuthorizer } from '../../src/emulator/auth/operations.js';
import { parseAuthorization } from '../../src/emulator/auth/sigv4.js';
import { commonError } from '../../src/emulator/protocols/service-errors.js';
import { serviceHandler } from '../../src/emulator/registry.js';
import { runHandler } from '../../src/emulator/server.js';
import {
  createEc2Handler,
  createS3Handler,
  createServiceQuotasHandler,
  createSnsHandler,
  createSsmHandler,
  createStsHandler,
  type Ec2InstanceView,
  S3State,
  SERVICES,
  SnsState,
  SsmState,
  type StsRole,
} from '../../src/emulator/services/index.js';
import type { EmulatorRequest, ServiceHandler } from '../../src/emulator/types.js';

/** A role of the harness: STS view plus identity policies. */
export interface HarnessRole extends StsRole {
  readonly policies?: readonly PolicyDocument[];
}

/** A running harness and the state behind it. */
export interface ServiceHarness {
  readonly endpoint: string;
  readonly credentials: CredentialStore;
  readonly ssm: SsmState;
  readonly sns: SnsState;
  readonly s3: S3State;
  /** Roles by ARN (add or change them during a test). */
  readonly roles: Map<string, HarnessRole>;
  /** EC2 instances by account id. */
  readonly instances: Map<string, Ec2InstanceView[]>;
  /** Applied DRS quota values by account id. */
  readonly quotas: Map<string, Record<string, number>>;
  /** Accounts for which AssumeRole is made to fail (fault plan stand-in). */
  readonly deniedAssumeAccounts: Set<string>;
  /** Virtual time handed to handlers. */
  now: Date;
  close(): Promise<void>;
}

/** A role ARN of an account. */
export function roleArn(accountId: string, name = 'DRS-Orchestration-Role'): string {
  return `arn:aws:iam::${accountId}:role/${name}`;
}

/** Trust policy that lets one account assume the role. */
export function trustAccount(accountId: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' },
    ],
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts a harness; staging roles for 111111111111 and 222222222222 trust 123456789012. */
export async function startServiceHarness(): Promise<ServiceHarness> {
  const credentials = new CredentialStore();
  const ssm = new SsmState();
  const sns = new SnsState();
  const s3 = new S3State();
  const roles = new Map<string, HarnessRole>();
  for (const account of ['111111111111', '222222222222']) {
    roles.set(roleArn(account), {
      arn: roleArn(account),
      accountId: account,
      trustPolicy: trustAccount('123456789012'),
    });
  }
  const instances = new Map<string, Ec2InstanceView[]>();
  const quotas = new Map<string, Record<string, number>>();
  const deniedAssumeAccounts = new Set<string>();
  const operations = {
    sts: createStsHandler({
      findRole: (arn) => roles.get(arn),
      credentials,
      assumeRoleDenied: (arn) => deniedAssumeAccounts.has(arn.split(':')[4] ?? ''),
      organizationIdOf: () => 'o-emulator0001',
    }),
    ssm: createSsmHandler({ state: ssm }),
    sns: createSnsHandler({ state: sns }),
    s3: createS3Handler({ state: s3 }),
    servicequotas: createServiceQuotasHandler({ quotas: (account) => quotas.get(account) ?? {} }),
    ec2: createEc2Handler({ listInstances: (account) => instances.get(account) ?? [] }),
  };
  // Each service's operations routed as the registry routes them.
  const handlers: Record<string, ServiceHandler> = Object.fromEntries(
    Object.entries(operations).map(([name, ops]) => {
      const descriptor = SERVICES.get(name);
      if (!descriptor) throw new Error(`no service ${name}`);
      return [name, serviceHandler(descriptor, ops)];
    }),
  );
  // The emulator's own authorization step, as its server pipeline runs it before each handler.
  const authorize = createPipelineAuthorizer(
    createAuthorizer({ policiesForRole: (arn) => roles.get(arn)?.policies }),
    (name) => {
      const descriptor = SERVICES.get(name);
      const ops = operations[name as keyof typeof operations];
      return descriptor === undefined
        ? undefined
        : { descriptor, ...(ops ? { instance: { operations: ops } } : {}) };
    },
  );
  const harness = {
    credentials,
    ssm,
    sns,
    s3,
    roles,
    instances,
    quotas,
    deniedAssumeAccounts,
    now: new Date('2025-01-06T09:00:00.000Z'),
  };
  const server = createServer((msg, res) => {
    void (async () => {
      const body = await readBody(msg);
      const url = msg.url ?? '/';
      const q = url.indexOf('?');
      const rawPath = q < 0 ? url : url.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(msg.headers)) {
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      }
      const method = (msg.method ?? 'GET').toUpperCase();
      let path = rawPath;
      try {
        path = decodeURIComponent(rawPath);
      } catch {
        path = rawPath;
      }
      const parsed = parseAuthorization(headers, query);
      const scope =
        parsed.kind === 'signed'
          ? parsed.auth.scope
          : parsed.kind === 'incomplete'
            ? parsed.scope
            : undefined;
      const target = {
        service: scope?.service ?? SERVICES.infer({ method, path, headers, query, body }).name,
        region: scope?.region ?? 'us-east-1',
      };
      const req: EmulatorRequest = { method, path, rawPath, query, headers, body, ...target };
      const requestId = randomUUID();
      const format = SERVICES.formatOf(req.service);
      const auth = authenticate(req, credentials, { service: format, requestId });
      const handler = handlers[req.service];
      const descriptor = SERVICES.get(req.service);
      const denied = auth.ok
        ? authorize(req, auth.principal, SERVICES.operationOf(req), requestId)
        : undefined;
      const response = !auth.ok
        ? auth.response
        : denied !== undefined
          ? denied
          : handler === undefined || descriptor === undefined
            ? commonError(format, 'internal', { requestId })
            : await runHandler(descriptor, handler, req, {
                principal: auth.principal,
                now: () => harness.now,
                requestId,
              });
      const out = typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
      // A HEAD answer describes the object it does not send: keep the handler's content-length.
      const length = method === 'HEAD' ? (response.headers['content-length'] ?? '0') : String(out.length);
      res.writeHead(response.status, { ...response.headers, 'content-length': length });
      res.end(out);
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(harness, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  });
}

/** Static credentials for SDK clients. */
export interface Keys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The orchestrator account's default keys. */
export const ROOT_KEYS: Keys = { accessKeyId: 'test', secretAccessKey: 'test' };

/** SDK client config against the harness (single attempt so errors surface at once). */
export function sdkConfig(h: ServiceHarness, credentials: Keys = ROOT_KEYS, region = 'us-east-1') {
  return { endpoint: h.endpoint, region, credentials, maxAttempts: 1 };
}

/** Issues session keys straight from the store (for tests that are not about STS). */
export function sessionKeys(h: ServiceHarness, accountId: string, name = 'DRS-Orchestration-Role'): Keys {
  const c = h.credentials.issueSession({
    accountId,
    roleArn: roleArn(accountId, name),
    roleId: 'AROATESTROLE00000001',
    sessionName: 'test',
    expiration: new Date(h.now.getTime() + 3_600_000),
  });
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    ...(c.sessionToken === undefined ? {} : { sessionToken: c.sessionToken }),
  };
}

/** Middleware hooks that spoil a signed request, to test signature checks with the real SDK. */
export type Tamper = (request: { headers: Record<string, string>; body?: unknown }) => void;

/**
 * Adds a middleware that runs after SigV4 signing and alters the request.
 *
 * @example tamperAfterSigning(client, (r) => { delete r.headers.authorization; })
 */
export function tamperAfterSigning(client: { readonly middlewareStack: object }, tamper: Tamper): void {
  // SDK clients differ in their stack's type parameters; only addRelativeTo is needed here.
  const stack = client.middlewareStack as { addRelativeTo(mw: unknown, opts: unknown): void };
  stack.addRelativeTo(
    (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
      tamper(args.request as { headers: Record<string, string>; body?: unknown });
      return next(args);
    },
    { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'emulatorTestTamper' },
  );
}
